import re

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.sicantik_audit.tests.common import trap_audit

from .common import ISSUE_NIK, BsreCase, capture_all_logs


@tagged("post_install", "-at_install")
class TestOneTimeCode(BsreCase):
    """Signing with a one-time code (v2 ``sign/get/totp``) instead of the
    passphrase: the code goes from BSrE to the official, never through us."""

    def requests(self, count):
        requests = self.env["sicantik.signature.request"]
        for _i in range(count):
            requests |= self.make_request()
        return requests.with_user(self.official)

    def sent_code(self, count):
        mail = self.sandbox.outbox()[-1]
        self.assertEqual(
            (mail["purpose"], mail["nik"], mail["data"]), ("sign", ISSUE_NIK, count)
        )
        return mail["totp"]

    def test_batch_signed_in_one_call_with_the_code(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "sicantik_bsre.batch_chunk_size", "1"
        )
        requests = self.requests(3)
        wizard = self.make_wizard(requests)
        self.assertTrue(wizard.otp_available)
        with trap_audit(self.env) as trap:
            wizard.action_send_otp()
        self.assertEqual(wizard.secret_kind, "totp")
        self.assertIn("3", wizard.otp_message)
        wizard._action_sign(totp=self.sent_code(3))
        requests.invalidate_recordset()
        self.assertEqual(set(requests.mapped("state")), {"signed"})
        # One call for the whole batch, whatever the chunk size: the code is
        # single-use and bound to the number of files.
        calls = self.sandbox.log(endpoint="v2.sign")
        self.assertEqual(len(calls), 1)
        trap.assert_logged("sign.otp_request")

    def test_route_carries_the_code_and_logs_none_of_it(self):
        """The POST the dialog's button makes with a code, end to end, with
        every logger at DEBUG: signed, and the code appears in no log line."""
        requests = self.requests(2)
        self.authenticate("bsre_official", "bsre_official")
        wizard = self.make_wizard(requests)
        wizard.action_send_otp()
        code = self.sent_code(2)
        with capture_all_logs() as lines:
            result = self.make_jsonrpc_request(
                "/sicantik_bsre/sign", {"wizard_id": wizard.id, "totp": code}
            )
        self.assertEqual(result["res_id"], wizard.id)
        requests.invalidate_recordset()
        self.assertEqual(set(requests.mapped("state")), {"signed"})
        self.assertTrue(lines)
        # As a token of its own: six digits also occur inside hashes.
        token = re.compile(rf"(?<![0-9a-fA-F]){code}(?![0-9a-fA-F])")
        self.assertFalse([line for line in lines if token.search(line)])

    def test_wrong_then_reused_code_fail_cleanly(self):
        requests = self.requests(2)
        wizard = self.make_wizard(requests)
        wizard.action_send_otp()
        code = self.sent_code(2)
        wrong = str((int(code) + 1) % 10 ** len(code)).zfill(len(code))
        wizard._action_sign(totp=wrong)
        requests.invalidate_recordset()
        self.assertEqual(set(requests.mapped("state")), {"failed"})
        self.assertEqual(
            set(requests.mapped("error_message")),
            {"Kode OTP salah atau sudah kedaluwarsa. Minta kode baru."},
        )
        requests.action_retry()
        retry = self.make_wizard(requests)
        retry.write({"secret_kind": "totp"})
        retry._action_sign(totp=code)
        requests.invalidate_recordset()
        self.assertEqual(set(requests.mapped("state")), {"signed"})
        # The same code again is refused by BSrE (single use).
        again = self.requests(2)
        reused = self.make_wizard(again)
        reused.write({"secret_kind": "totp"})
        reused._action_sign(totp=code)
        again.invalidate_recordset()
        self.assertEqual(set(again.mapped("state")), {"failed"})

    def test_otp_batch_limit_and_missing_code(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "sicantik_bsre.otp_max_files", "2"
        )
        wizard = self.make_wizard(self.requests(3))
        with self.assertRaisesRegex(UserError, "at most 2"):
            wizard.action_send_otp()
        self.assertFalse(
            [m for m in self.sandbox.outbox() if m.get("purpose") == "sign"]
        )
        small = self.make_wizard(self.requests(1))
        small.write({"secret_kind": "totp"})
        with self.assertRaises(UserError):
            small._action_sign(passphrase="Sandbox#123")  # a code is expected
        self.assertEqual(self.sandbox.log(endpoint="v2.sign"), [])
