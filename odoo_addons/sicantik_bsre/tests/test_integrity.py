"""Signing integrity, written as the attacks (issue #12, items 5, 6, 7, 9).

Each test plays the user who would try it and calls what that user can call
(the model methods ``call_kw`` exposes, ``web_save``, an attachment upload),
against the real BSrE sandbox, S3 and PostgreSQL.
"""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from ..models import services
from ..models.sicantik_signature_request import UNSAVED_PREFIX
from .common import ISSUE_PASSPHRASE, BsreCase

REQUEST = "sicantik.signature.request"
MODEL_LOG = "odoo.addons.sicantik_bsre.models.sicantik_signature_request"


@tagged("post_install", "-at_install")
class TestWhoMaySign(BsreCase):
    """Only the permit's designated official approves and signs (item 6)."""

    def test_officer_cannot_route_a_permit_to_another_official(self):
        """An officer names a colluding official (a real signing official,
        but not the one the permit names) on the request: refused."""
        document, _data = self.make_document()  # names Budi (sk_official)
        requests = self.env[REQUEST].with_user(self.petugas)
        with self.assertRaises(ValidationError):
            requests.create(
                {
                    "document_id": document.id,
                    "official_id": self.expired_official.id,
                }
            )
        # Nor by changing the official of a draft afterwards.
        draft = requests.create(
            {"document_id": document.id, "official_id": self.official.id}
        )
        with self.assertRaises(ValidationError):
            draft.write({"official_id": self.expired_official.id})
        self.assertEqual(
            self.env[REQUEST].search([("document_id", "=", document.id)]).official_id,
            self.official,
        )

    def test_permit_without_official_cannot_be_sent(self):
        permit = self.make_permit(official_id=False)
        document, _data = self.make_document(permit)
        with self.assertRaises(ValidationError):
            self.env[REQUEST].with_user(self.petugas).create(
                {"document_id": document.id, "official_id": self.official.id}
            )

    def test_wrong_official_cannot_act_on_a_request(self):
        """Another signing official calls every official action of a request
        that is not theirs: each one is refused and nothing changes."""
        waiting = self.make_request(approve=False).with_user(self.expired_official)
        for method in ("action_approve", "action_reject"):
            with self.assertRaises(AccessError):
                getattr(waiting, method)()
        approved = self.make_request().with_user(self.expired_official)
        with self.assertRaises(AccessError):
            approved.action_open_sign_wizard()
        with self.assertRaises(AccessError):
            approved._sign_with_secret(passphrase=ISSUE_PASSPHRASE)
        failed = self.make_request()
        failed.sudo()._write_internal({"state": "failed"})
        with self.assertRaises(AccessError):
            failed.with_user(self.expired_official).action_retry()
        unknown = self.make_request()
        unknown.sudo()._write_internal({"state": "outcome_unknown"})
        for method in ("action_reconcile_not_signed", "action_reconcile_failed"):
            with self.assertRaises(AccessError):
                getattr(unknown.with_user(self.expired_official), method)()
        # An officer is not this request's official: refused (officers pass
        # the guard since they may act at paraf steps; the record check stops
        # them).
        for method in ("action_approve", "action_reject"):
            with self.assertRaises(AccessError):
                getattr(waiting.with_user(self.petugas), method)()
        self.assertEqual(
            (waiting.state, approved.state, failed.state, unknown.state),
            ("waiting_approval", "approved", "failed", "outcome_unknown"),
        )
        self.assertEqual(self.sandbox.log(endpoint="v2.sign"), [])
        # The right official passes.
        waiting.with_user(self.official).action_approve()
        self.assertEqual(waiting.state, "approved")
        unknown.action_reconcile_failed()
        self.assertEqual(unknown.state, "failed")
        rejected = self.make_request(approve=False)
        rejected.action_reject(reason="Nomor SK salah")
        self.assertEqual(rejected.state, "draft")
        # The official's activity is closed; the officer gets one to fix it.
        self.assertFalse(
            rejected.activity_ids.filtered(lambda a: a.user_id != self.petugas)
        )
        self.assertEqual(rejected.activity_ids.user_id, self.petugas)

    def test_wrong_official_over_rpc(self):
        """The same attack through ``/web/dataset/call_kw``, as a browser
        session of the other official would send it."""
        request = self.make_request(approve=False)
        self.authenticate("bsre_expired", "bsre_expired")
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self.make_jsonrpc_request(
                f"/web/dataset/call_kw/{REQUEST}/action_approve",
                {
                    "model": REQUEST,
                    "method": "action_approve",
                    "args": [request.ids],
                    "kwargs": {"context": {"active_test": False}},
                },
            )
        request.invalidate_recordset()
        self.assertEqual(request.state, "waiting_approval")

    def test_official_replaced_in_sicantik_cannot_sign_any_more(self):
        """SICANTIK names another signatory after approval: the former one
        cannot sign the permit although the request still names them."""
        request = self.make_request()
        request.permit_id.sudo().official_id = self.sk_expired
        with self.assertRaises(AccessError):
            self.sign(request)
        self.assertEqual(self.sandbox.log(endpoint="v2.sign"), [])
        self.assertEqual(request.state, "approved")

    def test_public_page_shows_the_real_signer_and_position(self):
        """The page names who signed, with that person's own position, not
        the text SICANTIK printed as the SK's signer."""
        permit = self.make_permit(signer_name="Drs. Orang Lain, M.Si")
        document, _data = self.make_document(permit)
        request = self.make_request(document=document)
        self.sign(request)
        self.assertEqual(request.state, "signed", request.error_message)
        summary = (
            self.env["sicantik.verification"]
            .sudo()
            .search([("request_id", "=", request.id)])
        )
        self.assertEqual(summary.signer_name, "Budi Santoso")
        self.assertEqual(
            summary.signer_position, "Kepala Dinas Penanaman Modal dan PTSP"
        )
        page = self.url_open(f"/verify/{request.sudo().verification_token}").text
        self.assertIn("Budi Santoso", page)
        self.assertIn("Kepala Dinas Penanaman Modal dan PTSP", page)
        self.assertNotIn("Orang Lain", page)


@tagged("post_install", "-at_install")
class TestUnitIsolation(BsreCase):
    """Requests and public summaries by SICANTIK unit, with two units (item 7)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        units = cls.env["sicantik.unit"].create(
            [
                {"sicantik_id": cls.base_id + 11, "name": "Bidang Perizinan A"},
                {"sicantik_id": cls.base_id + 12, "name": "Bidang Perizinan B"},
            ]
        )
        cls.unit_a, cls.unit_b = units
        cls.officer_a = new_test_user(
            cls.env, login="bsre_officer_a", groups="sicantik_base.group_petugas"
        )
        cls.officer_a.sudo().sicantik_unit_ids = cls.unit_a
        cls.officer_b = new_test_user(
            cls.env, login="bsre_officer_b", groups="sicantik_base.group_petugas"
        )
        cls.officer_b.sudo().sicantik_unit_ids = cls.unit_b

    def request_in(self, unit, approve=False):
        document, _data = self.make_document(self.make_permit(unit_id=unit.id))
        return self.make_request(document=document, approve=approve)

    def test_officer_of_another_unit_neither_sees_nor_acts(self):
        in_a = self.request_in(self.unit_a)
        in_b = self.request_in(self.unit_b)
        self.sign(
            self.make_request(
                document=self.make_document(self.make_permit(unit_id=self.unit_b.id))[0]
            )
        )
        requests = self.env[REQUEST].with_user(self.officer_a)
        visible = requests.search([("id", "in", (in_a | in_b).ids)])
        self.assertEqual(visible, in_a)
        with self.assertRaises(AccessError):
            in_b.with_user(self.officer_a).read(["name", "state"])
        for method in ("action_cancel", "action_reconcile", "action_submit"):
            with self.assertRaises(AccessError):
                getattr(in_b.with_user(self.officer_a), method)()
        self.assertEqual(in_b.state, "waiting_approval")
        # Nor create a request for a document of unit B.
        doc_b, _data = self.make_document(self.make_permit(unit_id=self.unit_b.id))
        with self.assertRaises(AccessError):
            requests.create({"document_id": doc_b.id, "official_id": self.official.id})
        # Nor move a draft of unit A onto it.
        draft_a = requests.create(
            {
                "document_id": self.make_document(
                    self.make_permit(unit_id=self.unit_a.id)
                )[0].id,
                "official_id": self.official.id,
            }
        )
        with self.assertRaises(AccessError):
            draft_a.write({"document_id": doc_b.id})
        # Public summaries of unit B are hidden from the officer of unit A.
        summaries = self.env["sicantik.verification"].with_user(self.officer_a)
        self.assertFalse(summaries.search([("permit_id.unit_id", "=", self.unit_b.id)]))
        self.assertTrue(
            self.env["sicantik.verification"]
            .with_user(self.officer_b)
            .search([("permit_id.unit_id", "=", self.unit_b.id)])
        )
        # The officer of unit A works on unit A as before.
        in_a.with_user(self.officer_a).action_cancel()
        self.assertEqual(in_a.state, "cancelled")

    def test_users_without_unit_see_all(self):
        in_a = self.request_in(self.unit_a)
        in_b = self.request_in(self.unit_b)
        both = (in_a | in_b).ids
        for user in (self.petugas, self.official):
            found = self.env[REQUEST].with_user(user).search([("id", "in", both)])
            self.assertEqual(set(found.ids), set(both), user.login)

    def test_official_with_a_unit_cannot_act_in_another(self):
        """The designated official assigned to unit A approves a request of
        unit B: refused by the unit, although they are the permit's signer."""
        in_b = self.request_in(self.unit_b)
        self.official.sudo().sicantik_unit_ids = self.unit_a
        with self.assertRaises(AccessError):
            in_b.with_user(self.official).action_approve()
        self.official.sudo().sicantik_unit_ids = False
        in_b.with_user(self.official).action_approve()
        self.assertEqual(in_b.state, "approved")


@tagged("post_install", "-at_install")
class TestReconcileBinding(BsreCase):
    """A reconciled file must be this request's original plus a signature
    (item 5): a signed PDF of another permit is never bound."""

    def interrupted(self):
        request = self.make_request()
        request.sudo()._write_internal({"state": "outcome_unknown"})
        return request

    def offer(self, request, data, user):
        """What an officer can do: attach a file to the request under the
        name the signing flow uses for a kept copy."""
        return (
            self.env["ir.attachment"]
            .with_user(user)
            .create(
                {
                    "name": f"{UNSAVED_PREFIX}{request.id}.pdf",
                    "raw": data,
                    "res_model": REQUEST,
                    "res_id": request.id,
                    "mimetype": "application/pdf",
                }
            )
        )

    def test_signed_pdf_of_another_permit_is_refused(self):
        other = self.make_request()
        self.sign(other)
        self.assertEqual(other.state, "signed", other.error_message)
        other_signed = self.signed_bytes(other)
        request = self.interrupted()
        self.offer(request, other_signed, self.petugas)
        documents = self.env["sicantik.document"].sudo()
        before = documents.search_count([("permit_id", "=", request.permit_id.id)])
        with self.assertRaises(UserError), mute_logger(MODEL_LOG):
            request.with_user(self.petugas).action_reconcile()
        request.invalidate_recordset()
        self.assertEqual(request.state, "outcome_unknown")
        self.assertFalse(request.signed_document_id)
        self.assertEqual(
            documents.search_count([("permit_id", "=", request.permit_id.id)]), before
        )
        self.assertFalse(
            self.env["sicantik.verification"]
            .sudo()
            .search([("request_id", "=", request.id)])
        )

    def test_original_with_bytes_appended_is_refused(self):
        request = self.interrupted()
        original = request._document_bytes()
        self.offer(request, original + b"\n% signed, honestly\n", self.petugas)
        with self.assertRaises(UserError), mute_logger(MODEL_LOG):
            request.with_user(self.petugas).action_reconcile()
        self.assertEqual(request.state, "outcome_unknown")

    def test_true_signed_file_is_accepted_despite_a_forged_one(self):
        """The request's own original, signed by BSrE, is bound even when a
        forged file was attached before it."""
        other = self.make_request()
        self.sign(other)
        request = self.interrupted()
        self.offer(request, self.signed_bytes(other), self.petugas)
        (signed,) = (
            services.get_client()
            .sign(
                request._document_bytes(),
                self.official.sudo().bsre_nik,
                ISSUE_PASSPHRASE,
            )
            .files
        )
        self.offer(request, signed, self.official)
        with mute_logger(MODEL_LOG):
            request.with_user(self.petugas).action_reconcile()
        request.invalidate_recordset()
        self.assertEqual(request.state, "signed")
        self.assertEqual(self.signed_bytes(request), signed)


@tagged("post_install", "-at_install")
class TestSendOtpKeepsThePassphrase(BsreCase):
    """ "Send OTP" never saves a typed passphrase (item 9)."""

    def test_web_save_with_a_passphrase_stores_nothing(self):
        """The official's session sends a ``web_save`` carrying a passphrase
        (what a plain object button would do): nothing of it is kept."""
        request = self.make_request()
        self.authenticate("bsre_official", "bsre_official")
        wizard = self.make_wizard(request)
        result = self.make_jsonrpc_request(
            "/web/dataset/call_kw/sicantik.sign.wizard/web_save",
            {
                "model": "sicantik.sign.wizard",
                "method": "web_save",
                "args": [
                    wizard.ids,
                    {"passphrase": ISSUE_PASSPHRASE, "secret_kind": "totp"},
                ],
                "kwargs": {"specification": {"passphrase": {}, "secret_kind": {}}},
            },
        )
        self.assertEqual(result[0]["secret_kind"], "totp")  # the save happened
        self.assertFalse(result[0]["passphrase"])
        self.env.cr.execute(
            "SELECT * FROM sicantik_sign_wizard WHERE id = %s", wizard.ids
        )
        self.assertNotIn(ISSUE_PASSPHRASE, repr(self.env.cr.fetchall()))

    def test_send_otp_in_the_browser_after_typing_a_passphrase(self):
        """The official types the passphrase, then switches to a one-time code
        and clicks "Send OTP": the dialog is saved (web_save) and the code
        requested, yet no log line at DEBUG and no row carries the passphrase."""
        request, lines = self.dialog_tour("sicantik_bsre_send_otp_after_passphrase")
        self.assertTrue(
            [m for m in self.sandbox.outbox() if m.get("purpose") == "sign"]
        )
        self.assertTrue([line for line in lines if "web_save" in line])
        self.assertFalse([line for line in lines if ISSUE_PASSPHRASE in line])
        self.env.cr.execute("SELECT * FROM sicantik_sign_wizard")
        self.assertNotIn(ISSUE_PASSPHRASE, repr(self.env.cr.fetchall()))
