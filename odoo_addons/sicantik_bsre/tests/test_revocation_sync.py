"""A permit revoked in SICANTIK is "Dicabut" on its public page after one sync.

End to end, on real services: a sandbox SICANTIK database (MariaDB) mirrored by
the real sync, a document stored in S3, signed through the BSrE sandbox, its
public page served by the controller.  The permit is then revoked in SICANTIK
the way SICANTIK does it (``c_izin_dicabut`` plus an ``rat`` row); one sync
cycle must trigger the revocation cron through the sync's extension point
``_sicantik_after_rows_written``, and that cron's run must change the page.
"""

from odoo import fields
from odoo.tests import tagged

from odoo.addons.sicantik_sync.tests.common import SicantikSourceCase

from .common import BsreCase

REVOCATIONS = "sicantik_bsre.ir_cron_refresh_revocations"


@tagged("post_install", "-at_install")
class TestRevocationWithinOneSync(BsreCase, SicantikSourceCase):
    permits = 20
    seed = 17

    def triggers(self, xmlid):
        cron = self.env.ref(xmlid)
        return self.env["ir.cron.trigger"].sudo().search([("cron_id", "=", cron.id)])

    def signed_permit(self):
        """A mirrored, issued permit signed by its designated official."""
        self.cycle()
        permit = self.env["sicantik.permit"].search(
            [
                ("is_issued", "=", True),
                ("is_revoked", "=", False),
                ("official_id", "!=", False),
                ("sicantik_missing", "=", False),
            ],
            limit=1,
        )
        self.assertTrue(permit, "the sandbox has issued permits")
        # the test official signs for this permit's SICANTIK signatory
        self.official.sudo().sicantik_official_id = permit.official_id
        document = self.make_document(permit)[0]
        request = self.make_request(document=document)
        self.sign(request)
        self.assertEqual(request.state, "signed", request.error_message)
        return permit, request

    def test_revoked_in_sicantik_is_revoked_on_the_page_after_one_cycle(self):
        permit, request = self.signed_permit()
        token = request.sudo().verification_token
        self.assertEqual(
            self.url_open(f"/api/verify/{token}").json()["status"], "valid"
        )

        self.triggers(REVOCATIONS).unlink()
        self.src(
            "UPDATE tmpermohonan SET c_izin_dicabut = 1, d_izin_dicabut = %s "
            "WHERE id = %s",
            [fields.Date.today(), permit.sicantik_id],
        )
        self.src("INSERT INTO rat (tmpermohonan) VALUES (%s)", [permit.sicantik_id])
        run = self.cycle()

        self.assertTrue(permit.is_revoked)
        self.assertTrue(run.updated_count)
        pending = self.triggers(REVOCATIONS)
        self.assertEqual(len(pending), 1, "one sync cycle triggers the refresh")
        self.assertLessEqual(pending.call_at, fields.Datetime.now())
        # the page does not change before the cron ran: the sync did no
        # heavy work inline
        self.assertEqual(
            self.url_open(f"/api/verify/{token}").json()["status"], "valid"
        )

        # what the cron worker does with a due trigger
        self.env.ref(REVOCATIONS).sudo().method_direct_trigger()
        self.assertEqual(
            self.url_open(f"/api/verify/{token}").json()["status"], "revoked"
        )
        page = self.url_open(f"/verify/{token}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Dicabut", page.text)

    def test_cycle_without_permit_rows_triggers_nothing(self):
        self.cycle()
        self.triggers(REVOCATIONS).unlink()
        run = self.cycle()
        self.assertFalse(run.updated_count + run.created_count)
        self.assertFalse(self.triggers(REVOCATIONS))

    def test_stored_original_and_sync_trigger_auto_requests_when_present(self):
        """The automatic-request cron is optional: without it nothing fails;
        with it, a stored original and a sync that wrote permits trigger it."""
        if not self.env.ref(
            "sicantik_bsre.ir_cron_auto_request", raise_if_not_found=False
        ):
            # Stand in for the cron another version of this addon ships: an
            # ir.cron record with that xmlid (its code does nothing; the test
            # transaction is never committed, so no cron worker sees it).
            cron = (
                self.env["ir.cron"]
                .sudo()
                .create(
                    {
                        "name": "auto requests (test)",
                        "model_id": self.env["ir.model"]._get_id(
                            "sicantik.signature.request"
                        ),
                        "state": "code",
                        "code": "model",
                        # active: Odoo drops due triggers of inactive crons
                        "interval_number": 1,
                        "interval_type": "days",
                    }
                )
            )
            self.env["ir.model.data"].sudo().create(
                {
                    "module": "sicantik_bsre",
                    "name": "ir_cron_auto_request",
                    "model": "ir.cron",
                    "res_id": cron.id,
                }
            )
        auto = "sicantik_bsre.ir_cron_auto_request"
        self.triggers(auto).unlink()
        self.make_document()
        self.assertEqual(len(self.triggers(auto)), 1, "stored original")
        self.triggers(auto).unlink()
        run = self.cycle()  # the first import writes every permit
        self.assertTrue(run.created_count)
        self.assertTrue(self.triggers(auto), "sync that wrote permits")
