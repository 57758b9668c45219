"""Fixtures for the sicantik_bsre tests: the real BSrE sandbox, S3 and Redis.

Real services only (no mocks of our own systems): the harness exports
``SICANTIK_BSRE_URL/USER/PASSWORD`` (a running ``sandbox/bsre``) and
``SICANTIK_S3_*``; tests are skipped when either is missing.  The sandbox's
admin endpoints (faults, call log, reset) use the same API credentials, and its
call log is the independent witness that a document was signed once.

The cases are ``HttpCase`` so the registry is in test mode: the separate
cursors the signing flow opens (to commit ``signing`` and each result) are then
savepoints of the test transaction, and the public pages see the test's data.
"""

import base64
import hashlib
import io
import logging
import os
import secrets
import unittest
import uuid
from contextlib import contextmanager
from unittest.mock import patch

import requests

from odoo.tests import HttpCase, new_test_user

from odoo.addons.sicantik_base.lib import settings
from odoo.addons.sicantik_documents.lib import crypto

ISSUE_NIK = "1206010101800001"
ISSUE_PASSPHRASE = "Sandbox#123"
EXPIRED_NIK = "1206010303750003"
APPLICANT_NIK = "1206017777770001"
APPLICANT_PHONE = "081377770001"
APPLICANT_ADDRESS = "Jalan Veteran Nomor 77, Kabanjahe"


def configured():
    return bool(
        settings.get("bsre_url")
        and settings.get("s3_endpoint")
        and settings.get("s3_bucket")
        and settings.get("redis_url")
    )


class Sandbox:
    """Admin side of the BSrE sandbox: reset, faults, call log, samples."""

    def __init__(self):
        self.url = settings.get("bsre_url").rstrip("/")
        self.session = requests.Session()
        self.session.auth = (settings.get("bsre_user"), settings.get("bsre_password"))

    def reset(self):
        self.session.post(self.url + "/_sandbox/reset", timeout=10).raise_for_status()

    def faults(self, **knobs):
        response = self.session.post(
            self.url + "/_sandbox/faults", json=knobs, timeout=10
        )
        response.raise_for_status()

    def outbox(self):
        """What the sandbox "sent" to users: one-time codes, by e-mail."""
        response = self.session.get(self.url + "/_sandbox/outbox", timeout=10)
        response.raise_for_status()
        return response.json()

    def log(self, **filters):
        response = self.session.get(
            self.url + "/_sandbox/log", params=filters, timeout=10
        )
        response.raise_for_status()
        return response.json()

    def sample_pdf(self, text):
        response = self.session.get(
            self.url + "/_sandbox/sample.pdf", params={"text": text}, timeout=10
        )
        response.raise_for_status()
        return response.content


TEST_LOGGER_PREFIX = __name__.rsplit(".", 1)[0] + "."


@contextmanager
def capture_all_logs():
    """Every record of every logger at DEBUG (urllib3 and Odoo included)."""
    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            # The test harness's own loggers (``<test module>.<Class>.<test>``,
            # incl. its headless-Chrome DevTools trace, which dumps every
            # request the browser makes) are instrumentation, not the product.
            if record.name.startswith(TEST_LOGGER_PREFIX):
                return
            try:
                records.append(record.getMessage())
            except Exception:
                records.append(str(record.msg) + str(record.args))
            if record.exc_info:
                records.append(logging.Formatter().formatException(record.exc_info))

    handler = Collect(level=logging.DEBUG)
    root = logging.getLogger()
    names = ["", "odoo", "urllib3", "requests", "odoo.addons.sicantik_bsre"]
    saved = {name: logging.getLogger(name).level for name in names}
    # The existing handlers (console, file) keep printing what they printed:
    # only our collector sees the extra DEBUG records.
    quiet = {h: h.level for h in root.handlers}
    for existing in quiet:
        existing.setLevel(max(existing.level, root.getEffectiveLevel()))
    root.addHandler(handler)
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield records
    finally:
        root.removeHandler(handler)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
        for existing, level in quiet.items():
            existing.setLevel(level)


def allow_tuple_timeouts(case_class):
    """Odoo's test guard on ``requests`` compares ``timeout < 10`` and so
    breaks on ``(connect, read)`` tuples, which the client uses; hand it the
    larger of the two (the guard raises short timeouts to 10 s anyway).
    Requests still go through the guard (loopback only)."""
    current = requests.sessions.Session.send

    def send(session, prepared, **kwargs):
        if isinstance(kwargs.get("timeout"), tuple):
            kwargs["timeout"] = max(t for t in kwargs["timeout"] if t)
        return current(session, prepared, **kwargs)

    patcher = patch.object(requests.sessions.Session, "send", send)
    patcher.start()
    case_class.addClassCleanup(patcher.stop)


class BsreCase(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not configured():
            raise unittest.SkipTest(
                "SICANTIK_BSRE_*, SICANTIK_S3_* or SICANTIK_REDIS_URL not set"
            )
        cls.env_patch = patch.dict(
            os.environ,
            {
                "SICANTIK_DOC_KEY": os.environ.get("SICANTIK_DOC_KEY")
                or crypto.generate_key(),
                "SICANTIK_DOC_KEY_ID": os.environ.get("SICANTIK_DOC_KEY_ID")
                or "test-bsre",
            },
        )
        cls.env_patch.start()
        cls.addClassCleanup(cls.env_patch.stop)
        allow_tuple_timeouts(cls)
        cls.sandbox = Sandbox()
        base = 8_000_000 + uuid.uuid4().int % 900_000
        cls.ptype = cls.env["sicantik.permit.type"].create(
            {"sicantik_id": base, "name": "Izin Usaha Mikro Kecil"}
        )
        cls.applicant = cls.env["sicantik.applicant"].create(
            {
                "sicantik_id": base + 1,
                "name": "Rudi Sembiring",
                "id_number": APPLICANT_NIK,
                "phone": APPLICANT_PHONE,
                "address": APPLICANT_ADDRESS,
            }
        )
        cls.base_id = base
        # The permits' signatories as SICANTIK mirrors them, each linked to
        # the user who signs for them (only that user may sign).
        cls.sk_official, cls.sk_expired = cls.env["sicantik.official"].create(
            [
                {
                    "sicantik_id": base + 2,
                    "name": "Budi Santoso",
                    "position": "Kepala Dinas Penanaman Modal dan PTSP",
                    "is_signatory": True,
                },
                {
                    "sicantik_id": base + 3,
                    "name": "Ahmad Fauzi",
                    "position": "Sekretaris Dinas",
                    "is_signatory": True,
                },
            ]
        )
        cls.official = new_test_user(
            cls.env,
            login="bsre_official",
            name="Budi Santoso",
            groups="sicantik_base.group_pejabat",
        )
        cls.official.sudo().write(
            {"bsre_nik": ISSUE_NIK, "sicantik_official_id": cls.sk_official.id}
        )
        cls.expired_official = new_test_user(
            cls.env,
            login="bsre_expired",
            name="Ahmad Fauzi",
            groups="sicantik_base.group_pejabat",
        )
        cls.expired_official.sudo().write(
            {"bsre_nik": EXPIRED_NIK, "sicantik_official_id": cls.sk_expired.id}
        )
        cls.petugas = new_test_user(
            cls.env, login="bsre_petugas", groups="sicantik_base.group_petugas"
        )
        cls.counter = 0

    def setUp(self):
        super().setUp()
        self.sandbox.reset()
        # A fresh salt per test: the rate limiter's visitor key for 127.0.0.1
        # then differs from every other test's, so counts never leak across.
        salt = patch.dict(os.environ, {"SICANTIK_VERIFY_SALT": secrets.token_hex(8)})
        salt.start()
        self.addCleanup(salt.stop)

    # ------------------------------------------------------------ helpers
    def make_permit(self, **values):
        type(self).counter += 1
        n = self.counter
        vals = {
            "sicantik_id": self.base_id + 100 + n,
            "name": f"{self.base_id:07d}{n:03d}2026",
            "permit_type_id": self.ptype.id,
            "applicant_id": self.applicant.id,
            "sk_number": f"503/{n:04d}/IUMK/DPMPTSP/2026",
            "sk_date": "2026-11-02",
            "valid_until": "2031-11-02",
            "official_id": self.sk_official.id,
        }
        vals.update(values)
        return self.env["sicantik.permit"].create(vals)

    def make_document(self, permit=None, text=None):
        permit = permit or self.make_permit()
        data = self.sandbox.sample_pdf(text or f"Surat Izin {permit.sk_number}")
        doc = self.env["sicantik.document"]._create_version(
            permit,
            "original",
            lambda: io.BytesIO(data),
            hashlib.sha256(data).hexdigest(),
            len(data),
            "sk.pdf",
            "upload",
            fallback_bytes=data,
        )
        self.assertEqual(doc.state, "stored", doc.last_error)
        return doc, data

    def make_request(self, official=None, approve=True, document=None):
        """A request of the permit's designated official (``official``'s
        permit when given: a permit naming that official is made)."""
        official = official or self.official
        if not document:
            permit = self.make_permit(
                official_id=official.sudo().sicantik_official_id.id
            )
            document = self.make_document(permit)[0]
        request = (
            self.env["sicantik.signature.request"]
            .with_user(self.petugas)
            .create({"document_id": document.id, "official_id": official.id})
        )
        request.action_submit()
        if approve:
            request.with_user(official).action_approve()
        return request.with_user(official)

    def make_wizard(self, requests, user=None):
        """The sign wizard over ``requests`` as ``user`` (the official) opens it."""
        return (
            self.env["sicantik.sign.wizard"]
            .with_user(user or self.official)
            .create({"request_ids": [(6, 0, requests.ids)]})
        )

    def sign(self, requests, passphrase=ISSUE_PASSPHRASE, user=None):
        wizard = self.make_wizard(requests, user)
        wizard._action_sign(passphrase=passphrase)
        requests.invalidate_recordset()
        return wizard

    def dialog_tour(self, tour):
        """Run ``tour`` on a fresh request's form as the official, every
        logger at DEBUG; return the request and the captured log lines."""
        request = self.make_request()
        with capture_all_logs() as lines:
            self.start_tour(
                f"/odoo/sicantik.signature.request/{request.id}",
                tour,
                login="bsre_official",
            )
        return request, lines

    def signed_bytes(self, request):
        return b"".join(request.signed_document_id.sudo()._stream())

    def b64(self, data):
        return base64.b64encode(data).decode()
