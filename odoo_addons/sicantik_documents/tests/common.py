"""Fixtures for the sicantik_documents tests: permits, an upload tree, S3.

Real services only.  S3 is the server the harness exports (``SICANTIK_S3_*``);
tests that must stop S3 start a private server with ``tools/stack.py``'s
``S3Server`` (found from this file's place in the repository) so that no other
test loses its server.  The upload folder is a temporary tree of real files;
settings are pointed at it through the ``SICANTIK_*`` environment, which
``sicantik_base.lib.settings`` reads at call time.
"""

import base64
import hashlib
import importlib.util
import io
import os
import shutil
import tempfile
import unittest
import uuid
from pathlib import Path
from unittest.mock import patch

from odoo.tests import TransactionCase, new_test_user

from odoo.addons.sicantik_audit.tests.common import audit_events
from odoo.addons.sicantik_base.lib import settings

from ..lib import crypto
from ..models import services

REPO_ROOT = Path(__file__).resolve().parents[3]
STACK_PATH = REPO_ROOT / "tools" / "stack.py"

PDF_BODY = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def pdf(tag=""):
    """A small valid-looking PDF whose bytes (hence hash) depend on ``tag``."""
    return PDF_BODY + f"% {tag}\n".encode()


def s3_configured():
    return bool(settings.get("s3_endpoint") and settings.get("s3_bucket"))


def load_stack():
    """``tools/stack.py`` as a module, or ``None`` outside the repository."""
    if not STACK_PATH.exists():
        return None
    spec = importlib.util.spec_from_file_location("sicantik_stack_docs", STACK_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def start_private_s3(bucket="docs-outage"):
    """A private S3 server (SeaweedFS) the test may stop and start again.

    SeaweedFS also listens on fixed Iceberg/Lance ports by default, which
    collide with the harness's own server; port 0 turns both off, and
    ``-volume.max=0`` lifts the default limit of 8 volumes.
    """
    stack = load_stack()
    if stack is None:
        raise unittest.SkipTest("tools/stack.py not found: cannot start S3")
    original = stack.Proc

    def proc(name, argv, *args, **kwargs):
        argv = [*argv, "-s3.port.iceberg=0", "-s3.port.lance=0", "-volume.max=0"]
        return original(name, argv, *args, **kwargs)

    stack.Proc = proc
    workdir = Path(tempfile.mkdtemp(prefix="sicantik-docs-s3-"))
    server = stack.S3Server(
        workdir, stack.free_port(), "sicantik", f"s-{uuid.uuid4().hex[:8]}", bucket
    )
    server.start()
    server.workdir_to_clean = workdir
    return server


class DocumentsCase(TransactionCase):
    """Permits, role users, a temporary upload root and a document key."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not s3_configured():
            raise unittest.SkipTest("SICANTIK_S3_* not set: no S3 server to test")
        cls.root = Path(tempfile.mkdtemp(prefix="sicantik-docs-uploads-"))
        cls.addClassCleanup(shutil.rmtree, cls.root, True)
        cls.env_patch = patch.dict(
            os.environ,
            {
                "SICANTIK_UPLOAD_ROOT": str(cls.root),
                "SICANTIK_DOC_KEY": crypto.generate_key(),
                "SICANTIK_DOC_KEY_ID": "test-2026",
                "SICANTIK_DOC_IMPORT_BATCH": "200",
            },
        )
        cls.env_patch.start()
        cls.addClassCleanup(cls.env_patch.stop)
        cls.env["ir.config_parameter"].sudo().set_param(
            "sicantik_documents.import_cursor", ""
        )
        # ids far above the sandbox's so a synced mirror cannot collide
        base = 9_000_000 + uuid.uuid4().int % 900_000
        cls.ptype = cls.env["sicantik.permit.type"].create(
            {"sicantik_id": base, "name": "Surat Izin Usaha Perdagangan (SIUP)"}
        )
        cls.company = cls.env["sicantik.company"].create(
            {"sicantik_id": base + 1, "name": "PT. Maju  Jaya Sentosa"}
        )
        cls.permits = cls.env["sicantik.permit"]
        for i in range(4):
            cls.permits |= cls.env["sicantik.permit"].create(
                {
                    "sicantik_id": base + 10 + i,
                    "name": f"{base:07d}{i:02d}0101{2026}",
                    "permit_type_id": cls.ptype.id,
                    "company_id": cls.company.id if i % 2 else False,
                    "sk_number": f"503/{i:04d}/SIUP/DPM-PTSP/2026",
                }
            )
        cls.users = {
            role: new_test_user(cls.env, login=f"docs_{role}", groups=group)
            for role, group in {
                "user": "base.group_user",
                "petugas": "sicantik_base.group_petugas",
                "auditor": "sicantik_base.group_auditor",
                "admin": "sicantik_base.group_admin",
            }.items()
        }
        cls.users["public"] = cls.env.ref("base.public_user")

    def setUp(self):
        super().setUp()
        # every test starts from an empty folder and the start of the walk
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir()
        self.env["ir.config_parameter"].sudo().set_param(
            "sicantik_documents.import_cursor", ""
        )

    # ---------------------------------------------------------------- helpers
    def flat_path(self, permit):
        return f"assets/upload/izin/{permit.name}.pdf"

    def variant_path(self, permit):
        return (
            f"assets/upload/syarat/{permit.company_id.sicantik_id} "
            f"{permit.company_id.name}/{permit.name} {permit.permit_type_id.name}.pdf"
        )

    def write_file(self, rel, data):
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def store(self):
        return services.get_store()

    def upload(self, permit, data, kind="original", user=None, filename="sk.pdf"):
        """Run the officer's upload wizard; return the new document."""
        wizard = (
            self.env["sicantik.document.upload"]
            .with_user(user or self.users["petugas"])
            .create(
                {
                    "permit_id": permit.id,
                    "kind": kind,
                    "file": base64.b64encode(data),
                    "filename": filename,
                }
            )
        )
        action = wizard.action_upload()
        return self.env["sicantik.document"].browse(action["res_id"])

    def store_signed(self, permit, data, kind="signed", filename="sk-signed.pdf"):
        """Store a signed version the way the signing service does (the only
        source of signed versions: sicantik_bsre's ``_store_signed``)."""
        return self.env["sicantik.document"]._create_version(
            permit,
            kind,
            lambda: io.BytesIO(data),
            hashlib.sha256(data).hexdigest(),
            len(data),
            filename,
            "signing",
            fallback_bytes=data,
        )

    def store_plaintext(self, permit, data, filename="legacy.pdf"):
        """A version stored before originals were encrypted: plaintext in S3."""
        doc = self.env["sicantik.document"]._create_internal(
            {
                "permit_id": permit.id,
                "kind": "original",
                "version": self.env["sicantik.document"]._next_versions(
                    [permit.id], "original"
                )[permit.id],
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
                "filename": filename,
                "origin": "upload",
            }
        )
        key, metadata = doc._object_target()
        res = self.store().put(
            key, io.BytesIO(data), expected_sha256=doc.sha256, metadata=metadata
        )
        doc._mark_stored(res)
        return doc

    def assert_stored_bytes(self, doc):
        """The object is the ciphertext the record describes, and decrypts to
        the document whose hash the record keeps."""
        self.assertEqual(
            self.store().hash_object(doc.object_key),
            (doc.object_sha256, doc.object_size),
        )
        plain = hashlib.sha256()
        for chunk in doc._stream():
            plain.update(chunk)
        self.assertEqual(plain.hexdigest(), doc.sha256)

    def import_all(self):
        return self.env["sicantik.document.import"]._import_cycle()

    def audit_events(self, action, record):
        return audit_events(self.env, action, record)
