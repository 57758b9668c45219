from datetime import timedelta

from markupsafe import escape

from odoo.tests import new_test_user, tagged

from odoo.addons.sicantik_audit.tests.common import trap_audit
from odoo.addons.sicantik_base.lib import id_format

from .common import SANDBOX_TODAY, OfficerSourceCase


@tagged("post_install", "-at_install")
class TestExpiry(OfficerSourceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cr = cls.env.cr
        today = SANDBOX_TODAY
        # Only the permits of this test may expire within 90 days.
        cr.execute(
            "UPDATE sicantik_permit SET valid_until = %s "
            "WHERE valid_until BETWEEN %s AND %s",
            [
                today + timedelta(days=400),
                today - timedelta(days=10),
                today + timedelta(days=120),
            ],
        )
        # four issued, never renewed permits of four different holders
        cr.execute(
            "SELECT id FROM (SELECT DISTINCT ON (p.applicant_id) p.id "
            "FROM sicantik_permit p WHERE p.is_issued "
            "AND NOT EXISTS (SELECT 1 FROM sicantik_permit r "
            "WHERE r.previous_sicantik_id = p.sicantik_id) "
            "AND p.previous_sicantik_id IS NULL "
            "ORDER BY p.applicant_id, p.id) x ORDER BY id LIMIT 4"
        )
        ids = [r[0] for r in cr.fetchall()]
        assert len(ids) == 4, ids
        cls.Permit.invalidate_model()
        cls.p85, cls.p55, cls.p25, cls.renewed = cls.Permit.browse(ids)
        for permit, days in (
            (cls.p85, 85),
            (cls.p55, 55),
            (cls.p25, 25),
            (cls.renewed, 25),
        ):
            cr.execute(
                "UPDATE sicantik_permit SET valid_until = %s WHERE id = %s",
                [today + timedelta(days=days), permit.id],
            )
        # every holder has an address except the 55-day one
        cr.execute(
            "UPDATE sicantik_applicant SET email = 'pemegang' || id || '@example.id' "
            "WHERE id IN %s",
            [tuple((cls.p85 | cls.p25 | cls.renewed).applicant_id.ids)],
        )
        cr.execute(
            "UPDATE sicantik_applicant SET email = NULL WHERE id = %s",
            [cls.p55.applicant_id.id],
        )
        cr.execute(
            "UPDATE sicantik_company SET email = NULL WHERE id = %s",
            [cls.p55.company_id.id or 0],
        )
        # a later application renews one of them (the sync's id_lama)
        cr.execute(
            "UPDATE sicantik_permit SET previous_sicantik_id = %s, "
            "decision = 'pending' WHERE id = (SELECT max(id) FROM sicantik_permit "
            "WHERE id NOT IN %s)",
            [cls.renewed.sicantik_id, tuple(ids)],
        )
        cls.env.invalidate_all()
        cls.env.ref("base.lang_id").sudo().active = True
        cls.officer = new_test_user(
            cls.env,
            login="petugas_expiry",
            groups="sicantik_base.group_petugas",
            lang="id_ID",
        )
        cls.p85.permit_type_id.expiry_user_id = cls.officer
        cls.Notice = cls.env["sicantik.expiry.notice"]

    def notices(self):
        return {(n.permit_id, n.threshold) for n in self.Notice.search([])}

    def test_one_notice_per_threshold(self):
        with trap_audit(self.env) as trap:
            result = self.Permit._send_expiry_notices(today=SANDBOX_TODAY)
            self.assertEqual(result["done"], 3)
            expected = {(self.p85, 90), (self.p55, 60), (self.p25, 30)}
            self.assertEqual(self.notices(), expected)
            # running again sends nothing new
            self.assertEqual(
                self.Permit._send_expiry_notices(today=SANDBOX_TODAY)["done"], 0
            )
            self.assertEqual(self.notices(), expected)
            # thirty days later each permit reaches its next threshold, once
            later = SANDBOX_TODAY + timedelta(days=30)
            self.assertEqual(self.Permit._send_expiry_notices(today=later)["done"], 2)
            self.assertEqual(self.Permit._send_expiry_notices(today=later)["done"], 0)
            expected |= {(self.p85, 60), (self.p55, 30)}
            self.assertEqual(self.notices(), expected)
            self.assertFalse(self.renewed.expiry_notice_ids)
        trap.assert_logged("expiry.notice", count=5)

    def test_activity_and_indonesian_mail_to_holder(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "sicantik_base.office_name", "DPMPTSP Kabupaten Karo"
        )
        self.Permit._send_expiry_notices(today=SANDBOX_TODAY)
        notice = self.p85.expiry_notice_ids
        self.assertEqual(notice.user_id, self.officer)
        self.assertEqual(notice.activity_id.user_id, self.officer)
        self.assertEqual(notice.activity_id.res_id, self.p85.id)
        self.assertIn("Izin berakhir dalam 90 hari", notice.activity_id.summary)
        mail = notice.mail_id
        self.assertTrue(mail)
        holder = self.p85.applicant_id.email
        self.assertEqual(mail.email_to, holder)
        self.assertEqual(notice.email_to, holder)
        expiry_text = id_format.format_date_id(SANDBOX_TODAY + timedelta(days=85))
        self.assertIn(f"berakhir pada {expiry_text}", mail.subject)
        self.assertIn("Berlaku sampai dengan", mail.body_html)
        self.assertIn(expiry_text, mail.body_html)
        self.assertIn(str(escape(self.p85.permit_type_id.name)), mail.body_html)
        # the office of the setting, not a hard-coded one, signs the e-mail
        self.assertIn("Hormat kami,<br/>DPMPTSP Kabupaten Karo", mail.body_html)
        self.assertIn("loket DPMPTSP Kabupaten Karo", mail.body_html)
        # a holder without an address: activity only, no e-mail
        other = self.p55.expiry_notice_ids
        self.assertTrue(other.activity_id)
        self.assertFalse(other.mail_id)
        # a type without officer: the first SICANTIK administrator
        if self.p25.permit_type_id != self.p85.permit_type_id:
            self.assertTrue(
                self.p25.expiry_notice_ids.user_id.has_group(
                    "sicantik_base.group_admin"
                )
            )

    def test_bounded_batches(self):
        first = self.Permit._send_expiry_notices(today=SANDBOX_TODAY, limit=2)
        self.assertEqual((first["done"], first["remaining"]), (2, 1))
        second = self.Permit._send_expiry_notices(today=SANDBOX_TODAY, limit=2)
        self.assertEqual((second["done"], second["remaining"]), (1, 0))
        self.assertEqual(len(self.Notice.search([])), 3)
