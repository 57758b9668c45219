"""The signing workflow against the real BSrE sandbox."""

import hashlib
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.sicantik_audit.tests.common import trap_audit

from .common import ISSUE_NIK, BsreCase


@tagged("post_install", "-at_install")
class TestSigningFlow(BsreCase):
    def test_state_machine_and_activities(self):
        with trap_audit(self.env) as trap:
            request = self.make_request(approve=False)
            self.assertEqual(request.state, "waiting_approval")
            self.assertEqual(request.activity_ids.user_id, self.official)
            with self.assertRaises(AccessError):
                request.with_user(self.expired_official).action_approve()
            request.action_approve()
            self.assertEqual(request.state, "approved")
            self.assertEqual(len(request.activity_ids), 1)  # the "sign" activity
            self.assertTrue(
                request.verification_url.endswith(request.verification_token)
            )
            self.assertGreaterEqual(len(request.verification_token), 43)  # 256 bits
            with self.assertRaises(UserError):
                request.action_approve()
            request.action_cancel()
            self.assertEqual(request.state, "cancelled")
        trap.assert_logged("sign.request", record=request)
        trap.assert_logged("sign.approve", record=request)

    def test_officers_without_email_address(self):
        """Many officers have no e-mail address in Odoo: requesting, approving
        and the chatter notes must work for them all the same."""
        for user in (self.petugas, self.official):
            user.partner_id.email = False
        request = self.make_request()
        self.assertEqual(request.state, "approved")
        self.assertTrue(request.sudo().message_ids)

    def test_sign_one_document(self):
        request = self.make_request()
        original = b"".join(request.document_id.sudo()._stream())
        with trap_audit(self.env) as trap:
            wizard = self.sign(request)
        self.assertEqual(request.state, "signed", request.error_message)
        self.assertEqual(wizard.state, "done")
        self.assertEqual(wizard.line_ids.state, "signed")
        signed_doc = request.signed_document_id
        self.assertEqual(signed_doc.kind, "signed")
        self.assertTrue(signed_doc.encrypted)
        self.assertEqual(signed_doc.permit_id, request.permit_id)
        data = self.signed_bytes(request)
        self.assertTrue(data.startswith(original))  # sandbox: incremental update
        self.assertEqual(signed_doc.sha256, hashlib.sha256(data).hexdigest())
        self.assertTrue(request.signed_at)
        self.assertFalse(request.activity_ids)
        summary = (
            self.env["sicantik.verification"]
            .sudo()
            .search([("request_id", "=", request.id)])
        )
        self.assertEqual(summary.sha256, signed_doc.sha256)
        self.assertEqual(summary.holder_masked, "R*** S********")
        (call,) = self.sandbox.log(endpoint="v2.sign")
        self.assertEqual(call["nik"], ISSUE_NIK)
        self.assertEqual(
            call["documents"][0]["sha256_in"], hashlib.sha256(original).hexdigest()
        )
        results = trap.assert_logged("sign.result", record=request)
        self.assertIn("sha256", results[0].details or "")

    def test_only_issue_certificates_reach_the_passphrase(self):
        request = self.make_request(official=self.expired_official)
        wizard = self.make_wizard(request, self.expired_official)
        self.assertFalse(wizard.can_sign)
        self.assertEqual(wizard.certificate_status, "EXPIRED")
        self.assertEqual(wizard.certificate_message, "Sertifikat kedaluwarsa.")
        with self.assertRaises(UserError):
            wizard._action_sign(passphrase="anything")
        self.assertEqual(self.sandbox.log(endpoint="v2.sign"), [])
        self.assertEqual(request.state, "approved")

    def test_only_the_official_signs(self):
        request = self.make_request()
        with self.assertRaises(AccessError):
            request.with_user(self.expired_official)._sign_with_secret("x")

    def test_wrong_passphrase_fails_then_retry(self):
        request = self.make_request()
        wizard = self.sign(request, passphrase="Salah#000")
        self.assertEqual(request.state, "failed")
        self.assertEqual(request.error_message, "Passphrase salah.")
        self.assertEqual(wizard.line_ids.message, "Passphrase salah.")
        request.action_retry()
        self.sign(request)
        self.assertEqual(request.state, "signed")
        self.assertEqual(request.attempt_count, 2)

    def test_batch_with_one_failing(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "sicantik_bsre.batch_chunk_size", "1"
        )
        self.env["ir.config_parameter"].sudo().set_param(
            "sicantik_bsre.batch_workers", "1"
        )
        requests = self.env["sicantik.signature.request"]
        for _i in range(5):
            requests |= self.make_request()
        self.sandbox.faults(fail_next={"v2.sign": 1})
        wizard = self.sign(requests.with_user(self.official))
        states = requests.mapped("state")
        self.assertEqual(states.count("signed"), 4)
        self.assertEqual(states.count("failed"), 1)
        self.assertEqual(len(wizard.line_ids), 5)
        self.assertIn("4 of 5", wizard.summary)
        self.assertEqual(len(set(requests.mapped("batch_id"))), 1)
        failed = requests.filtered(lambda r: r.state == "failed")
        self.assertIn("BSrE", failed.error_message)

    def test_batch_in_chunks_and_threads(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "sicantik_bsre.batch_chunk_size", "2"
        )
        requests = self.env["sicantik.signature.request"]
        for _i in range(5):
            requests |= self.make_request()
        self.sign(requests.with_user(self.official))
        self.assertEqual(
            set(requests.mapped("state")),
            {"signed"},
            (
                requests.mapped("error_message"),
                [c.get("error") for c in self.sandbox.log(endpoint="v2.sign")],
            ),
        )
        self.assertEqual(len(self.sandbox.log(endpoint="v2.sign")), 3)

    def test_dropped_answer_is_reconciled_never_signed_twice(self):
        request = self.make_request()
        original = b"".join(request.document_id.sudo()._stream())
        digest = hashlib.sha256(original).hexdigest()
        self.sandbox.faults(drop_next={"v2.sign": 1})
        wizard = self.sign(request)
        self.assertEqual(request.state, "outcome_unknown")
        self.assertEqual(wizard.line_ids.state, "outcome_unknown")
        self.assertIn("Jangan tandatangani ulang", request.error_message)
        # BSrE did sign; the answer was lost.
        (call,) = self.sandbox.log(endpoint="v2.sign", sha256_in=digest)
        self.assertTrue(call["signed"])
        self.assertFalse(call["delivered"])
        # No new signing call is possible before reconciliation.
        with self.assertRaises(UserError):
            self.sign(request)
        with self.assertRaises(UserError):
            request.action_open_sign_wizard()
        self.assertEqual(len(self.sandbox.log(endpoint="v2.sign", sha256_in=digest)), 1)
        # Reconcile: no automatic evidence for v2 → the official decides.
        request.action_reconcile()
        self.assertEqual(request.state, "outcome_unknown")
        request.action_reconcile_failed()
        self.assertEqual(request.state, "failed")
        self.assertEqual(len(self.sandbox.log(endpoint="v2.sign", sha256_in=digest)), 1)

    def test_official_confirms_not_signed(self):
        request = self.make_request()
        self.sandbox.faults(fail_next={"v2.sign": 1})
        request.sudo().write({"state": "outcome_unknown"})
        request.action_reconcile_not_signed()
        self.assertEqual(request.state, "approved")
        self.assertIn(
            "confirmed", request.message_ids[:3].mapped("body")[0] or "confirmed"
        )

    def test_v1_reconcile_downloads_the_lost_file(self):
        request = self.make_request()
        request.sudo().write({"state": "approved"})
        with self.env.cr.savepoint():
            from ..lib.client import BsreClient
            from ..models import services

            client = services.get_client()
            v1 = BsreClient(
                client.base_url,
                *client._session.auth,
                api_version="v1",
            )
            data = b"".join(request.document_id.sudo()._stream())
            result = v1.sign(data, ISSUE_NIK, "Sandbox#123")
        # Pretend the answer of that call was lost after the header arrived.
        request.sudo().write(
            {"state": "outcome_unknown", "bsre_document_id": result.id_dokumen}
        )
        request.action_reconcile()
        self.assertEqual(request.state, "signed")
        self.assertEqual(self.signed_bytes(request), result.files[0])
        self.assertEqual(len(self.sandbox.log(endpoint="v1.sign")), 1)

    def test_signed_but_not_stored_is_kept_for_reconcile(self):
        """S3 refusing the signed file must not lose what BSrE signed."""
        request = self.make_request()
        documents = type(self.env["sicantik.document"])
        original = documents._create_version

        def refuse(model, permit, kind, *args, **kwargs):
            if kind in ("signed", "resigned"):
                raise RuntimeError("storage refused")
            return original(model, permit, kind, *args, **kwargs)

        with (
            patch.object(documents, "_create_version", refuse),
            mute_logger("odoo.addons.sicantik_bsre.models.sicantik_signature_request"),
        ):
            wizard = self.sign(request)
        self.assertEqual(request.state, "outcome_unknown")
        self.assertEqual(wizard.line_ids.state, "outcome_unknown")
        request.action_reconcile()
        self.assertEqual(request.state, "signed")
        (call,) = self.sandbox.log(endpoint="v2.sign")
        self.assertEqual(
            call["documents"][0]["sha256_out"], request.signed_document_id.sha256
        )

    def test_claim_is_exclusive_and_stale_signing_becomes_unknown(self):
        request = self.make_request()
        self.assertEqual(request._claim_for_signing("b1"), request.ids)
        self.assertEqual(request._claim_for_signing("b2"), [])
        request.invalidate_recordset()
        self.assertEqual(request.state, "signing")
        with self.assertRaises(UserError):
            request.action_reconcile()  # still in progress
        request.sudo().signing_started_at = fields.Datetime.now() - timedelta(hours=1)
        self.env["sicantik.signature.request"].sudo()._cron_mark_stale_signing()
        self.assertEqual(request.state, "outcome_unknown")

    def test_resigning_replaces_previous_summary(self):
        first = self.make_request()
        self.sign(first)
        permit = first.permit_id
        second = self.make_request(document=first.signed_document_id)
        self.sign(second)
        self.assertEqual(second.signed_document_id.kind, "resigned")
        summaries = (
            self.env["sicantik.verification"]
            .sudo()
            .search([("permit_id", "=", permit.id)])
        )
        by_request = {s.request_id: s for s in summaries}
        self.assertEqual(by_request[first]._status(), "replaced")
        self.assertEqual(by_request[second]._status(), "valid")
        permit.sudo().write({"is_revoked": True})
        self.env["sicantik.verification"].sudo()._cron_refresh_revocations()
        self.assertEqual(by_request[second]._status(), "revoked")

    def test_workflow_fields_cannot_be_forged(self):
        request = self.make_request(approve=False)
        as_officer = request.with_user(self.petugas)
        for vals in (
            {"state": "approved"},
            {"state": "signed"},
            {"verification_token": "chosen"},
        ):
            with self.assertRaises(AccessError):
                as_officer.write(vals)
        with self.assertRaises(AccessError):
            self.env["sicantik.signature.request"].with_user(self.petugas).create(
                {
                    "document_id": request.document_id.id,
                    "official_id": self.official.id,
                    "state": "signed",
                }
            )
        with self.assertRaises(UserError):
            as_officer.write({"official_id": self.expired_official.id})
        self.assertEqual(request.state, "waiting_approval")

    def test_nik_is_admin_only(self):
        self.assertEqual(self.official.bsre_nik_masked, "************0001")
        with self.assertRaises(AccessError):
            self.official.with_user(self.petugas).read(["bsre_nik"])
        masked = self.official.with_user(self.petugas).read(["bsre_nik_masked"])
        self.assertEqual(masked[0]["bsre_nik_masked"], "************0001")

    def test_health_metrics(self):
        self.sign(self.make_request())
        text = self.env["sicantik.health"].metrics_text()
        self.assertIn('sicantik_signatures{outcome="ok"}', text)
        self.assertIn("sicantik_verifications_today", text)
