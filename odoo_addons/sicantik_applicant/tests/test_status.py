"""The public status page: two factors, uniform refusals, rate limits,
nothing personal, and the signed permit behind a short-lived token."""

import re

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.sicantik_bsre.tests.common import (
    APPLICANT_ADDRESS,
    APPLICANT_NIK,
    APPLICANT_PHONE,
)

from ..lib import tokens
from ..models import services
from .common import APPLICANT_EMAIL, ApplicantCase

CSRF_INPUT = re.compile(r'name="csrf_token" value="[^"]*"')


@tagged("post_install", "-at_install")
class TestStatusPage(ApplicantCase):
    def assertNoPersonalData(self, text):
        for value in (
            APPLICANT_NIK,
            APPLICANT_NIK[-4:],
            APPLICANT_PHONE,
            APPLICANT_ADDRESS,
            APPLICANT_EMAIL,
            "Rudi",
            "Sembiring",
        ):
            self.assertNotIn(value, text)

    def test_form_is_public_and_mobile(self):
        response = self.url_open("/status")
        self.assertEqual(response.status_code, 200)
        self.assertIn('name="viewport"', response.text)
        self.assertIn("Nomor pendaftaran", response.text)
        self.assertIn('lang="id"', response.text)
        self.assertEqual(response.headers["Cache-Control"], "no-store")

    def test_timeline_by_nik_digits_and_by_tracking_code(self):
        permit = self.make_tracked_permit()
        for factor in (APPLICANT_NIK[-4:], permit.tracking_code.lower()):
            response = self.post_status(permit.name, factor)
            self.assertEqual(response.status_code, 200)
            page = response.text
            self.assertIn('id="status-timeline"', page)
            self.assertIn("Menerima dan Memeriksa Berkas", page)
            self.assertIn("Tinjauan Lapangan", page)
            self.assertIn("sedang diproses", page)
            self.assertIn("Izin Usaha Mikro Kecil", page)
            self.assertIn("2 November 2026", page)
            # received Mon 2 Nov + 5 working days = Mon 9 Nov (no holidays here)
            self.assertIn("9 November 2026", page)
            self.assertIn("5 hari kerja", page)
            self.assertIn("Perkiraan selesai", page)
            # today (office time) is past 9 November 2026
            self.assertIn("melewati perkiraan", page)
            self.assertNotIn("status-download", page)
            self.assertNoPersonalData(CSRF_INPUT.sub("", page).replace(permit.name, ""))
        events = self.env["sicantik.audit.event"].search(
            [("action", "=", "applicant.status"), ("res_id", "=", permit.id)]
        )
        self.assertEqual(len(events), 2)

    def test_applicant_without_nik_uses_the_tracking_code(self):
        nobody = self.env["sicantik.applicant"].create(
            {
                "sicantik_id": self.base_id + 70,
                "name": "Tanpa NIK",
                "id_type": "PASSPORT",
            }
        )
        permit = self.make_tracked_permit(applicant_id=nobody.id)
        self.assertIn(
            "Tinjauan", self.post_status(permit.name, permit.tracking_code).text
        )
        refused = self.post_status(permit.name, "0000")
        self.assertNotIn("status-timeline", refused.text)
        self.assertFalse(permit._holder_matches(""))

    def test_wrong_number_and_wrong_factor_look_the_same(self):
        permit = self.make_tracked_permit()
        answers = [
            self.post_status(permit.name, "9999"),
            self.post_status(permit.name, "ZZZZZZZZ"),
            self.post_status("0000000000000000", APPLICANT_NIK[-4:]),
            self.post_status("0000000000000000", permit.tracking_code),
        ]
        bodies = {
            CSRF_INPUT.sub("", r.text)
            .replace(permit.name, "")
            .replace("0000000000000000", "")
            for r in answers
        }
        self.assertEqual({r.status_code for r in answers}, {200})
        self.assertEqual(len(bodies), 1)
        self.assertIn("Data tidak ditemukan", bodies.pop())

    def test_csrf_token_required(self):
        permit = self.make_tracked_permit()
        response = self.post_status(permit.name, APPLICANT_NIK[-4:], csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertNotIn("status-timeline", response.text)

    def test_rate_limit_per_visitor(self):
        self.setting(applicant_rate_limit=3)
        permit = self.make_tracked_permit()
        codes = [self.post_status(permit.name, "1111").status_code for _i in range(3)]
        self.assertEqual(codes, [200, 200, 200])
        limited = self.post_status(permit.name, APPLICANT_NIK[-4:])
        self.assertEqual(limited.status_code, 429)
        self.assertTrue(int(limited.headers["Retry-After"]) >= 1)
        self.assertIn("Terlalu banyak permintaan", limited.text)
        self.assertNotIn("status-timeline", limited.text)

    def test_rate_limit_per_registration_number(self):
        """Guessing four digits from many addresses still hits the number's
        own limit; even the right factor is refused until the hour ends."""
        self.setting(applicant_number_limit=2)
        permit = self.make_tracked_permit()
        self.post_status(permit.name, "1111")
        self.post_status(permit.name, "2222")
        limited = self.post_status(permit.name, APPLICANT_NIK[-4:])
        self.assertEqual(limited.status_code, 429)
        self.assertNotIn("status-timeline", limited.text)
        other = self.make_tracked_permit()
        self.assertIn(
            "status-timeline", self.post_status(other.name, APPLICANT_NIK[-4:]).text
        )

    def test_without_secret_the_page_is_off(self):
        permit = self.make_tracked_permit()
        csrf = self.csrf()
        self.setting(applicant_secret="")
        with mute_logger("odoo.addons.sicantik_applicant.controllers.main"):
            response = self.url_open(
                "/status",
                data={"nomor": permit.name, "kode": "0001", "csrf_token": csrf},
            )
        self.assertEqual(response.status_code, 503)
        self.assertNotIn("status-timeline", response.text)

    # ------------------------------------------------------------ download
    def signed_permit(self):
        request = self.make_request()
        self.sign(request)
        self.assertEqual(request.state, "signed")
        return request.permit_id, self.signed_bytes(request), request.signed_document_id

    def download_link(self, permit):
        page = self.post_status(permit.name, APPLICANT_NIK[-4:]).text
        match = re.search(r'id="status-download" href="([^"]+)"', page)
        self.assertTrue(match, page)
        return match.group(1)

    def test_signed_permit_download_is_token_bound_and_audited(self):
        permit, signed, doc = self.signed_permit()
        link = self.download_link(permit)
        self.assertNotIn(f"/{doc.id}", link.replace("/status/unduh/", "/"))
        response = self.url_open(link)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertEqual(response.content, signed)
        self.assertIn("attachment", response.headers["Content-Disposition"])
        events = self.env["sicantik.audit.event"].search(
            [
                ("action", "=", "applicant.download"),
                ("res_model", "=", "sicantik.document"),
                ("res_id", "=", doc.id),
            ]
        )
        self.assertEqual(len(events), 1)

    def test_expired_forged_and_unsigned_tokens_refused(self):
        permit, _signed, doc = self.signed_permit()
        secret = services.secret()
        expired = tokens.make(secret, doc.id, ttl=-1)
        response = self.url_open(f"/status/unduh/{expired}")
        self.assertEqual(response.status_code, 403)
        self.assertIn("kedaluwarsa", response.text)
        self.assertNotIn(b"%PDF", response.content)
        forged = tokens.make("not-the-secret", doc.id, ttl=600)
        self.assertEqual(self.url_open(f"/status/unduh/{forged}").status_code, 403)
        original = self.env["sicantik.document"].search(
            [("permit_id", "=", permit.id), ("kind", "=", "original")], limit=1
        )
        unsigned = tokens.make(secret, original.id, ttl=600)
        self.assertEqual(self.url_open(f"/status/unduh/{unsigned}").status_code, 404)
        self.assertFalse(
            self.env["sicantik.audit.event"].search_count(
                [("action", "=", "applicant.download"), ("res_id", "=", doc.id)]
            )
        )

    def test_downloads_rate_limited(self):
        self.setting(applicant_download_limit=2)
        permit, _signed, _doc = self.signed_permit()
        link = self.download_link(permit)
        codes = [self.url_open(link).status_code for _i in range(3)]
        self.assertEqual(codes, [200, 200, 429])
