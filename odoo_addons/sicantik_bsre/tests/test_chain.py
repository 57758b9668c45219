"""Paraf chains, routing, delegations and automatic requests, end to end
against the real BSrE sandbox and S3 (see ``common.BsreCase``)."""

import io
from datetime import timedelta

import psycopg2
from pyhanko.pdf_utils.reader import PdfFileReader

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from .common import ISSUE_NIK, BsreCase

REQUEST = "sicantik.signature.request"


class ChainCase(BsreCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kasi = new_test_user(
            cls.env,
            login="chain_kasi",
            name="Sari Kasi",
            email="kasi@example.test",
            groups="sicantik_base.group_petugas",
        )
        cls.kabid = new_test_user(
            cls.env,
            login="chain_kabid",
            name="Joko Kabid",
            email="kabid@example.test",
            groups="sicantik_base.group_petugas",
        )
        cls.kabid_group = cls.env["res.groups"].create(
            {"name": "Kabid Perizinan", "users": [(6, 0, cls.kabid.ids)]}
        )
        cls.chain = cls.env["sicantik.approval.chain"].create(
            {
                "name": "Kasi - Kabid - Kepala Dinas",
                "step_ids": [
                    (
                        0,
                        0,
                        {"sequence": 1, "name": "Paraf Kasi", "user_id": cls.kasi.id},
                    ),
                    (
                        0,
                        0,
                        {
                            "sequence": 2,
                            "name": "Paraf Kabid",
                            "group_id": cls.kabid_group.id,
                        },
                    ),
                ],
            }
        )

    def route(self, **values):
        vals = {"permit_type_id": self.ptype.id, "chain_id": self.chain.id}
        vals.update(values)
        return self.env["sicantik.signature.route"].create(vals)

    def rpc_approve(self, request):
        """``action_approve`` through ``call_kw``, as a browser session sends it."""
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{REQUEST}/action_approve",
            {
                "model": REQUEST,
                "method": "action_approve",
                "args": [request.ids],
                "kwargs": {},
            },
        )

    def steps(self, request, round_=None):
        lines = request.sudo().step_ids
        if round_:
            lines = lines.filtered(lambda s: s.round == round_)
        return lines


@tagged("post_install", "-at_install")
class TestApprovalChain(ChainCase):
    def test_three_steps_with_rejection_and_restart_from_first(self):
        self.route()
        request = self.make_request(approve=False).with_user(self.petugas)
        self.assertEqual(request.state, "waiting_approval")
        first, second, last = self.steps(request)
        self.assertEqual(
            [s.name for s in (first, second)], ["Paraf Kasi", "Paraf Kabid"]
        )
        self.assertEqual((first.kind, last.kind), ("paraf", "sign"))
        self.assertEqual(request.current_step_id, first)
        self.assertEqual(first.state, "waiting")
        self.assertTrue(first.started_at)
        self.assertEqual(request.sudo().activity_ids.user_id, self.kasi)
        # The step's e-mail, from the template, to the Kasi.
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", first._name), ("res_id", "=", first.id)])
        )
        self.assertEqual(mails.recipient_ids, self.kasi.partner_id)
        self.assertIn(request.name, mails.subject)
        self.assertIn("Paraf Kasi", mails.subject)

        # Out of turn: the official, the Kabid, the requesting officer.
        for user in (self.official, self.kabid, self.petugas):
            with self.assertRaises(AccessError):
                request.with_user(user).action_approve()
        request.with_user(self.kasi).action_approve()
        self.assertEqual(first.state, "done")
        self.assertEqual(first.done_by_id, self.kasi)
        self.assertGreaterEqual(first.done_at, first.started_at)
        self.assertEqual(request.current_step_id, second)
        self.assertEqual(request.sudo().activity_ids.user_id, self.kabid)

        # The Kabid (by group) sends it back: a reason is required.
        with self.assertRaises(UserError):
            request.with_user(self.kabid).action_reject(reason="  ")
        self.assertEqual(request.state, "waiting_approval")
        wizard_action = request.with_user(self.kabid).action_open_reject_wizard()
        wizard = (
            self.env["sicantik.reject.wizard"]
            .with_user(self.kabid)
            .with_context(**wizard_action["context"])
            .create({"reason_kind": "data", "reason": "Alamat usaha tidak sesuai"})
        )
        wizard.action_confirm()
        self.assertEqual(request.state, "draft")
        self.assertEqual(second.state, "rejected")
        self.assertEqual(second.reject_reason_kind, "data")
        self.assertEqual(second.reject_reason, "Alamat usaha tidak sesuai")
        self.assertEqual(last.state, "skipped")
        self.assertEqual(request.reject_count, 1)
        self.assertIn("Alamat usaha tidak sesuai", request.sudo().message_ids[0].body)
        self.assertEqual(request.sudo().activity_ids.user_id, self.petugas)

        # Resubmission restarts at the first step (the chain's default).
        request.action_submit()
        self.assertFalse(
            request.sudo().activity_ids.filtered(lambda a: a.user_id == self.petugas)
        )
        round2 = self.steps(request, 2)
        self.assertEqual(len(round2), 3)
        self.assertEqual(request.current_step_id, round2[0])
        self.assertEqual(round2[0].name, "Paraf Kasi")
        request.with_user(self.kasi).action_approve()
        request.with_user(self.kabid).action_approve()
        self.assertEqual(request.current_step_id, round2[2])
        self.assertEqual(request.sudo().activity_ids.user_id, self.official)
        request.with_user(self.official).action_approve()
        self.assertEqual(request.state, "approved")
        self.assertEqual(round2.mapped("state"), ["done", "done", "done"])

        # As if the request had been made two hours ago (a test runs in seconds).
        requested_at = request.requested_at - timedelta(hours=2)
        request.sudo()._write_internal({"requested_at": requested_at})
        self.sign(request.with_user(self.official))
        self.assertEqual(request.state, "signed", request.error_message)
        self.assertEqual(request.signed_by_id, self.official)
        self.assertFalse(request.delegation_id)
        self.assertGreaterEqual(request.sign_hours, 2.0)
        # Stored from the two stored datetimes (to the minute: the signing
        # runs on its own cursors, a few seconds apart).
        self.assertAlmostEqual(
            request.sign_hours,
            (request.signed_at - requested_at).total_seconds() / 3600,
            delta=1 / 60,
        )
        # Stored: the analysis views group and sum on them.
        groups = (
            self.env["sicantik.signature.request.step"]
            .sudo()
            ._read_group(
                [("request_id", "=", request.id), ("state", "=", "rejected")],
                ["reject_reason_kind"],
                ["__count"],
            )
        )
        self.assertEqual(groups, [("data", 1)])

    def test_restart_from_the_step_that_rejected(self):
        self.chain.restart_mode = "rejecting"
        self.route()
        request = self.make_request(approve=False).with_user(self.petugas)
        request.with_user(self.kasi).action_approve()
        request.with_user(self.kabid).action_reject(
            reason="Lampiran kurang", reason_kind="requirements"
        )
        request.action_submit()
        round2 = self.steps(request, 2)
        self.assertEqual(round2.mapped("name")[0], "Paraf Kabid")
        self.assertEqual(len(round2), 2)
        self.assertEqual(request.current_step_id, round2[0])
        with self.assertRaises(AccessError):
            request.with_user(self.kasi).action_approve()
        request.with_user(self.kabid).action_approve()
        request.with_user(self.official).action_approve()
        self.assertEqual(request.state, "approved")

    def test_permit_type_without_chain_is_the_single_approval(self):
        request = self.make_request(approve=False)
        (step,) = self.steps(request)
        self.assertEqual((step.kind, step.state), ("sign", "waiting"))
        request.action_approve()
        self.assertEqual((request.state, step.state), ("approved", "done"))

    def test_wrong_step_user_over_rpc(self):
        self.route()
        request = self.make_request(approve=False)
        self.authenticate("chain_kabid", "chain_kabid")
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self.rpc_approve(request)
        request.invalidate_recordset()
        self.assertEqual(request.current_step_id.name, "Paraf Kasi")
        self.authenticate("chain_kasi", "chain_kasi")
        self.rpc_approve(request)
        request.invalidate_recordset()
        self.assertEqual(request.current_step_id.name, "Paraf Kabid")


@tagged("post_install", "-at_install")
class TestDelegation(ChainCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sekretaris = cls.env["sicantik.official"].create(
            {
                "sicantik_id": cls.base_id + 50,
                "name": "Dewi Lestari",
                "position": "Sekretaris Dinas",
            }
        )
        cls.deputy = new_test_user(
            cls.env,
            login="chain_deputy",
            name="Dewi Lestari",
            groups="sicantik_base.group_pejabat",
        )
        cls.deputy.sudo().write(
            {"bsre_nik": ISSUE_NIK, "sicantik_official_id": cls.sekretaris.id}
        )

    def delegate(self, kind="plt", **values):
        today = fields.Date.context_today(self.env.user)
        vals = {
            "kind": kind,
            "principal_id": self.official.id,
            "delegate_id": self.deputy.id,
            "date_from": today - timedelta(days=1),
            "date_to": today + timedelta(days=5),
        }
        vals.update(values)
        return self.env["sicantik.delegation"].create(vals)

    def signed_reason(self, request):
        reader = PdfFileReader(io.BytesIO(self.signed_bytes(request)))
        return str(reader.embedded_signatures[-1].sig_object.get("/Reason"))

    def test_plt_signs_and_public_page_says_so(self):
        delegation = self.delegate("plt")
        request = self.make_request(approve=False)
        self.assertEqual(
            request.sudo().activity_ids.user_id, self.official | self.deputy
        )
        request.with_user(self.deputy).action_approve()
        self.assertEqual(request.state, "approved")
        self.assertEqual(self.steps(request).delegation_id, delegation)
        deputy_request = request.with_user(self.deputy)
        self.assertTrue(deputy_request.is_my_turn)
        self.sign(deputy_request, user=self.deputy)
        self.assertEqual(request.state, "signed", request.error_message)
        self.assertEqual(request.official_id, self.official)
        self.assertEqual(request.signed_by_id, self.deputy)
        self.assertEqual(request.delegation_id, delegation)
        office = "Plt. Kepala Dinas Penanaman Modal dan PTSP"
        self.assertIn(f"Dewi Lestari, {office}", self.signed_reason(request))
        summary = (
            self.env["sicantik.verification"]
            .sudo()
            .search([("request_id", "=", request.id)])
        )
        self.assertEqual(summary.signer_name, "Dewi Lestari")
        self.assertEqual(summary.signer_position, "Sekretaris Dinas")
        self.assertEqual(summary.on_behalf, office)
        page = self.url_open(f"/verify/{request.sudo().verification_token}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(office, page.text)
        self.assertIn("Dewi Lestari", page.text)
        data = self.url_open(f"/api/verify/{summary.token}").json()
        self.assertEqual(data["on_behalf"], office)

    def test_an_wording_names_the_deputy_position(self):
        self.delegate("an")
        request = self.make_request(approve=False)
        request.with_user(self.deputy).action_approve()
        self.sign(request.with_user(self.deputy), user=self.deputy)
        self.assertEqual(request.state, "signed", request.error_message)
        self.assertIn(
            "Dewi Lestari, Sekretaris Dinas, a.n. Kepala Dinas Penanaman Modal "
            "dan PTSP",
            self.signed_reason(request),
        )
        summary = (
            self.env["sicantik.verification"]
            .sudo()
            .search([("request_id", "=", request.id)])
        )
        self.assertEqual(
            summary.on_behalf, "a.n. Kepala Dinas Penanaman Modal dan PTSP"
        )

    def test_deputy_at_a_paraf_step(self):
        self.route()
        self.delegate("plh", principal_id=self.kasi.id, for_signing=False)
        request = self.make_request(approve=False)
        request.with_user(self.deputy).action_approve()
        first = self.steps(request)[0]
        self.assertEqual((first.state, first.done_by_id), ("done", self.deputy))
        self.assertEqual(first.delegation_id.kind, "plh")
        # That delegation covers the Kasi's steps, not the signature.
        request.with_user(self.kabid).action_approve()
        with self.assertRaises(AccessError):
            request.with_user(self.deputy).action_approve()

    def test_expired_wrong_user_and_out_of_scope_are_refused(self):
        today = fields.Date.context_today(self.env.user)
        expired = self.delegate(
            date_from=today - timedelta(days=10), date_to=today - timedelta(days=1)
        )
        request = self.make_request(approve=False)
        deputy_request = request.with_user(self.deputy)
        self.assertFalse(deputy_request.is_my_turn)
        with self.assertRaises(AccessError):
            deputy_request.action_approve()
        # Another official without any delegation.
        with self.assertRaises(AccessError):
            request.with_user(self.expired_official).action_approve()
        # Valid dates, another permit type only.
        other_type = self.env["sicantik.permit.type"].create(
            {"sicantik_id": self.base_id + 60, "name": "Izin Reklame"}
        )
        expired.write({"date_to": today, "permit_type_ids": [(6, 0, other_type.ids)]})
        with self.assertRaises(AccessError):
            deputy_request.action_approve()
        # Approved by the official: the deputy cannot sign it either.
        request.with_user(self.official).action_approve()
        with self.assertRaises(AccessError):
            deputy_request.action_open_sign_wizard()
        with self.assertRaises(AccessError):
            deputy_request._sign_with_secret(passphrase="x")
        self.assertEqual(self.sandbox.log(endpoint="v2.sign"), [])
        # The same through call_kw, as the deputy's browser session sends it.
        waiting = self.make_request(approve=False)
        expired.write(
            {"permit_type_ids": [(5, 0, 0)], "date_to": today - timedelta(days=1)}
        )
        self.authenticate("chain_deputy", "chain_deputy")
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self.rpc_approve(waiting)
        waiting.invalidate_recordset()
        self.assertEqual(waiting.state, "waiting_approval")
        self.assertEqual(self.steps(waiting).state, "waiting")


@tagged("post_install", "-at_install")
class TestAutomaticRequests(ChainCase):
    def decided_document(self, **values):
        vals = {"decision": "approved"}
        vals.update(values)
        return self.make_document(self.make_permit(**vals))[0]

    def test_cron_creates_one_request_per_document_version(self):
        cron = self.env.ref("sicantik_bsre.ir_cron_auto_request")
        self.assertEqual((cron.interval_number, cron.interval_type), (15, "minutes"))
        self.route(auto_request=True, officer_id=self.petugas.id)
        document = self.decided_document()
        pending = self.decided_document(decision="pending")
        no_sk = self.decided_document(sk_number=False)
        Request = self.env[REQUEST]
        self.assertGreaterEqual(Request._cron_auto_request(), 1)
        request = Request.sudo().search([("document_id", "=", document.id)])
        self.assertEqual(len(request), 1)
        self.assertTrue(request.is_auto)
        self.assertEqual(request.requested_by_id, self.petugas)
        self.assertEqual(request.official_id, self.official)
        self.assertEqual(request.state, "waiting_approval")
        self.assertEqual(request.current_step_id.name, "Paraf Kasi")
        self.assertFalse(
            Request.sudo().search([("document_id", "in", (pending | no_sk).ids)])
        )
        # Idempotent: again, and with the request cancelled.
        self.assertEqual(Request._cron_auto_request(), 0)
        request.action_cancel()
        self.assertEqual(Request._cron_auto_request(), 0)
        self.assertEqual(
            Request.sudo().search_count([("document_id", "=", document.id)]), 1
        )
        # A new original version is a new document: it gets its own request.
        newer = self.make_document(document.permit_id, text="SK revisi")[0]
        self.assertEqual(Request._cron_auto_request(), 1)
        self.assertTrue(Request.sudo().search([("document_id", "=", newer.id)]).is_auto)
        # The database refuses a second automatic request for a version.
        with (
            self.assertRaises(psycopg2.errors.UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            Request.sudo().create(
                {
                    "document_id": document.id,
                    "official_id": self.official.id,
                    "is_auto": True,
                }
            )
            self.env.flush_all()

    def test_off_per_permit_type(self):
        self.route(auto_request=False)
        document = self.decided_document()
        self.env[REQUEST]._cron_auto_request()
        self.assertFalse(
            self.env[REQUEST].sudo().search([("document_id", "=", document.id)])
        )

    def test_buttons_on_permit_and_document(self):
        document = self.decided_document()
        permit = document.permit_id.with_user(self.petugas)
        action = permit.action_request_signature()
        request = self.env[REQUEST].browse(action["res_id"])
        self.assertEqual(request.document_id, document)
        self.assertEqual(request.state, "waiting_approval")
        self.assertEqual(request.requested_by_id, self.petugas)
        with self.assertRaises(UserError):
            permit.action_request_signature()
        with self.assertRaises(UserError):
            document.with_user(self.petugas).action_request_signature()
        # In bulk from the list: two permits, one request each.
        docs = self.decided_document() | self.decided_document()
        action = docs.permit_id.with_user(self.petugas).action_request_signature()
        requests = self.env[REQUEST].search(action["domain"])
        self.assertEqual(requests.document_id, docs)
        other = self.decided_document()
        action = other.with_user(self.petugas).action_request_signature()
        self.assertEqual(self.env[REQUEST].browse(action["res_id"]).document_id, other)
        # An auditor may not.
        auditor = new_test_user(
            self.env, login="chain_auditor", groups="sicantik_base.group_auditor"
        )
        with self.assertRaises(AccessError):
            self.decided_document().permit_id.with_user(
                auditor
            ).action_request_signature()
