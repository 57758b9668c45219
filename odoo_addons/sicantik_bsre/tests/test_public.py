"""Public verification page, upload check, JSON API and rate limit."""

import json

from odoo.tests import tagged

from odoo.addons.sicantik_audit.tests.common import trap_audit

from .common import APPLICANT_ADDRESS, APPLICANT_NIK, APPLICANT_PHONE, BsreCase


@tagged("post_install", "-at_install")
class TestPublicVerification(BsreCase):
    def setUp(self):
        super().setUp()
        self.request = self.make_request()
        self.sign(self.request)
        self.assertEqual(self.request.state, "signed")
        self.token = self.request.sudo().verification_token
        self.signed = self.signed_bytes(self.request)

    def assertNoPersonalData(self, text):
        for secret in (APPLICANT_NIK, APPLICANT_PHONE, APPLICANT_ADDRESS, "Rudi"):
            self.assertNotIn(secret, text)
        self.assertNotIn(self.official.sudo().bsre_nik, text)

    def test_page_shows_summary_only(self):
        response = self.url_open(f"/verify/{self.token}")
        self.assertEqual(response.status_code, 200)
        page = response.text
        permit = self.request.permit_id
        self.assertIn(permit.sk_number, page)
        self.assertIn("Izin Usaha Mikro Kecil", page)
        self.assertIn("R*** S********", page)
        self.assertIn("2 November 2026", page)
        self.assertIn("2 November 2031", page)
        self.assertIn("Berlaku", page)
        self.assertIn("Budi Santoso", page)
        self.assertIn(self.request.signed_sha256, page)
        self.assertIn("WIB", page)
        self.assertIn('name="viewport"', page)
        self.assertNoPersonalData(page)
        self.assertEqual(self.url_open("/verify/" + "x" * 43).status_code, 404)

    def test_json_api(self):
        response = self.url_open(f"/api/verify/{self.token}")
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual(data["status"], "valid")
        self.assertEqual(data["sha256"], self.request.signed_sha256)
        self.assertEqual(
            set(data),
            {
                "token",
                "status",
                "permit_number",
                "registration_number",
                "permit_type",
                "holder",
                "issue_date",
                "expiry_date",
                "signer",
                "signer_position",
                "on_behalf",
                "signed_at",
                "sha256",
            },
        )
        self.assertNoPersonalData(json.dumps(data))

    def test_upload_check(self):
        ok = self.url_open(
            f"/verify/{self.token}",
            files={"file": ("izin.pdf", self.signed, "application/pdf")},
        )
        self.assertEqual(ok.status_code, 200)
        self.assertIn("Cocok", ok.text)
        self.assertIn("Tanda tangan valid", ok.text)
        tampered = bytearray(self.signed)
        index = tampered.index(b"Surat Izin")
        tampered[index] = ord("s")
        bad = self.url_open(
            f"/verify/{self.token}",
            files={"file": ("izin.pdf", bytes(tampered), "application/pdf")},
        )
        self.assertIn("Tidak cocok", bad.text)
        self.assertIn("Tanda tangan tidak valid", bad.text)

    def test_upload_api(self):
        good = self.url_open(
            "/api/verify", files={"file": ("a.pdf", self.signed, "application/pdf")}
        ).json()
        self.assertTrue(good["hash_match"])
        self.assertTrue(good["signature"]["valid"])
        self.assertEqual(good["signature"]["signers"][0]["name"], "Budi Santoso")
        self.assertEqual(good["document"]["token"], self.token)
        original = b"".join(self.request.document_id.sudo()._stream())
        unsigned = self.url_open("/api/verify", data=original).json()
        self.assertFalse(unsigned["hash_match"])
        self.assertEqual(unsigned["signature"]["status"], "no_signature")

    def test_upload_size_limit(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "sicantik_bsre.verify_max_upload_mb", "1"
        )
        big = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)
        response = self.url_open("/api/verify", data=big)
        self.assertEqual(response.status_code, 413)

    def test_rate_limit(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "sicantik_bsre.verify_rate_limit", "3"
        )
        codes = [
            self.url_open(f"/api/verify/{self.token}").status_code for _ in range(3)
        ]
        self.assertEqual(codes, [200, 200, 200])
        limited = self.url_open(f"/verify/{self.token}")
        self.assertEqual(limited.status_code, 429)
        retry_after = int(limited.headers["Retry-After"])
        self.assertTrue(1 <= retry_after <= 61)
        self.assertIn("Terlalu banyak", limited.text)
        api = self.url_open(f"/api/verify/{self.token}")
        self.assertEqual(api.status_code, 429)
        self.assertIn("Retry-After", api.headers)

    def test_verifications_counted_and_audited(self):
        with trap_audit(self.env) as trap:
            for _ in range(3):
                self.url_open(f"/verify/{self.token}")
        # one per visitor, token and day
        mine = trap.assert_logged(
            "verify.public", record=self.request_summary(), count=1
        )
        self.assertEqual(mine.actor_type, "public")
        self.assertFalse(mine.ip)
        self.assertTrue(mine.actor_key)

    def test_page_cached_per_token_and_invalidated(self):
        """The rendered page is shared through Redis and dropped on a change."""
        import hashlib

        from odoo.addons.sicantik_base.lib.redis_client import get_redis

        from ..lib import public_cache

        redis = get_redis()
        token_hash = hashlib.sha256(self.token.encode()).hexdigest()
        public_cache.invalidate(redis, [token_hash])
        first = self.url_open(f"/verify/{self.token}")
        self.assertEqual(first.status_code, 200)
        self.assertIn('class="status valid">Berlaku<', first.text)
        cached = redis.get(public_cache.page_key(token_hash))
        self.assertEqual(cached.decode(), first.text)
        self.assertEqual(self.url_open(f"/verify/{self.token}").text, first.text)
        # revocation folded in by the cron: the next visitor sees it at once
        self.request.permit_id.sudo().write({"is_revoked": True})
        Verification = self.env["sicantik.verification"].sudo()
        self.assertEqual(Verification._cron_refresh_revocations(), 1)
        self.assertIsNone(redis.get(public_cache.page_key(token_hash)))
        revoked = self.url_open(f"/verify/{self.token}")
        self.assertIn('class="status revoked">Dicabut<', revoked.text)
        self.assertNotIn('class="status valid"', revoked.text)
        self.assertEqual(
            self.url_open(f"/api/verify/{self.token}").json()["status"], "revoked"
        )
        # a newer signed version replaces this one: the old page says so
        self.request.permit_id.sudo().write({"is_revoked": False})
        Verification._cron_refresh_revocations()
        self.assertIn(
            'class="status valid"', self.url_open(f"/verify/{self.token}").text
        )
        second = self.make_request(document=self.request.signed_document_id)
        self.sign(second)
        self.assertIn(
            'class="status replaced">Digantikan',
            self.url_open(f"/verify/{self.token}").text,
        )
        self.assertIn(
            'class="status valid"',
            self.url_open(f"/verify/{second.sudo().verification_token}").text,
        )

    def test_unknown_token_cached_as_missing(self):
        """A guessed token costs one lookup, then it is answered from Redis."""
        import hashlib

        from odoo.addons.sicantik_base.lib.redis_client import get_redis

        from ..lib import public_cache

        guess = "G" * 43
        token_hash = hashlib.sha256(guess.encode()).hexdigest()
        redis = get_redis()
        public_cache.invalidate(redis, [token_hash])
        self.assertEqual(self.url_open(f"/verify/{guess}").status_code, 404)
        self.assertEqual(redis.get(public_cache.summary_key(token_hash)), b"null")
        self.assertEqual(self.url_open(f"/api/verify/{guess}").status_code, 404)

    def request_summary(self):
        return (
            self.env["sicantik.verification"]
            .sudo()
            .search([("request_id", "=", self.request.id)])
        )
