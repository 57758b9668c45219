"""Fixtures of the applicant tests: the BSrE, S3 and Redis services of
``sicantik_bsre``'s cases, plus the WhatsApp gateway double
(``sandbox/whatsapp``) started as a real process on a free port.
"""

import os
import re
import secrets
import sys
import unittest
from datetime import datetime, timedelta
from pathlib import Path
from unittest.mock import patch

from odoo.addons.sicantik_bsre.tests.common import BsreCase

REPO_ROOT = Path(__file__).resolve().parents[3]
APPLICANT_EMAIL = "rudi.sembiring@example.test"
CALLBACK_SECRET = "callback-" + secrets.token_hex(8)


def start_gateway():
    if not (REPO_ROOT / "sandbox" / "whatsapp" / "runner.py").is_file():
        raise unittest.SkipTest("sandbox/whatsapp is not shipped here")
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from sandbox.whatsapp.runner import start_gateway as start  # noqa: PLC0415

    return start()


class ApplicantCase(BsreCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gateway = start_gateway()
        cls.addClassCleanup(cls.gateway.stop)
        cls.wa_env = patch.dict(
            os.environ,
            {
                "SICANTIK_WHATSAPP_PROVIDER": "gateway",
                "SICANTIK_WHATSAPP_URL": cls.gateway.url + "/send",
                "SICANTIK_WHATSAPP_TOKEN": cls.gateway.token,
                "SICANTIK_WHATSAPP_CALLBACK_SECRET": CALLBACK_SECRET,
                "SICANTIK_WHATSAPP_QUIET_HOURS": "00:00-00:00",
                "SICANTIK_WHATSAPP_BACKOFF_SECONDS": "300",
            },
        )
        cls.wa_env.start()
        cls.addClassCleanup(cls.wa_env.stop)
        cls.applicant.sudo().write({"email": APPLICANT_EMAIL})
        cls.applicant.sudo().action_whatsapp_consent()
        cls.Message = cls.env["sicantik.applicant.message"]
        cls.status_received, cls.status_survey, cls.status_done = cls.env[
            "sicantik.status"
        ].create(
            [
                {
                    "sicantik_id": cls.base_id + 50,
                    "name": "Menerima dan Memeriksa Berkas",
                },
                {"sicantik_id": cls.base_id + 51, "name": "Tinjauan Lapangan"},
                {"sicantik_id": cls.base_id + 52, "name": "Izin Selesai, Siap Diambil"},
            ]
        )

    def setUp(self):
        super().setUp()
        self.gateway.reset()
        # fresh secret per test: rate-limit keys never leak across tests
        secret = patch.dict(
            os.environ, {"SICANTIK_APPLICANT_SECRET": secrets.token_hex(16)}
        )
        secret.start()
        self.addCleanup(secret.stop)

    # ------------------------------------------------------------ helpers
    def setting(self, **values):
        """Patch ``SICANTIK_<KEY>`` settings for the rest of the test."""
        patcher = patch.dict(
            os.environ, {f"SICANTIK_{k.upper()}": str(v) for k, v in values.items()}
        )
        patcher.start()
        self.addCleanup(patcher.stop)

    def make_tracked_permit(self, **values):
        """A permit in process with two steps of history."""
        vals = {
            "date_received": "2026-11-02",
            "status_id": self.status_survey.id,
            "sla_days": 5,
            "sk_date": False,
        }
        permit = self.make_permit(**dict(vals, **values))
        n = self.counter
        self.env["sicantik.permit.history"].create(
            [
                {
                    "sicantik_id": self.base_id + 1000 + 2 * n,
                    "permit_id": permit.id,
                    "status_id": self.status_received.id,
                    "date_start": datetime(2026, 11, 2, 1, 0),
                    "date_end": datetime(2026, 11, 3, 2, 0),
                },
                {
                    "sicantik_id": self.base_id + 1001 + 2 * n,
                    "permit_id": permit.id,
                    "status_id": self.status_survey.id,
                    "date_start": datetime(2026, 11, 3, 2, 0),
                    "is_open": True,
                },
            ]
        )
        return permit

    def csrf(self):
        page = self.url_open("/status").text
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def post_status(self, number, code, csrf=True):
        data = {"nomor": number, "kode": code}
        if csrf:
            data["csrf_token"] = self.csrf()
        return self.url_open("/status", data=data)

    def due_messages(self, permit):
        return self.Message.search([("permit_id", "=", permit.id)], order="id")

    def later(self, minutes):
        return datetime.now().replace(microsecond=0) + timedelta(minutes=minutes)
