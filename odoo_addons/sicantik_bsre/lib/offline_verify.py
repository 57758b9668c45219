"""Validate a signed PDF offline with pyHanko against a configured trust root.

Why offline, beside BSrE's own verify endpoint: the public "upload a PDF" check
must answer for anyone holding a file, at any rate, without spending BSrE quota
or depending on BSrE being up, and it must say something BSrE cannot — whether
the signature chains to the root *we* trust (the BSrE chain in production, the
sandbox CA in tests).  No network is used: revocation is checked in soft-fail
mode (BSrE's status is handled by account status, reference §12), and AIA
fetching is off so a hostile PDF cannot make the server fetch URLs.

The verdict is deliberately strict: ``valid`` needs every signature intact and
trusted, and the last signature must cover the whole file (bytes appended after
signing are reported as ``modified_after_signing``).
"""

import io
import logging
from dataclasses import dataclass, field

from asn1crypto import pem, x509

_log = logging.getLogger(__name__)


@dataclass
class SignatureCheck:
    field_name: str
    intact: bool = False
    trusted: bool = False
    valid: bool = False
    signer_cn: str | None = None
    signing_time: object = None
    timestamp_time: object = None
    covers_whole_file: bool = False
    error: str | None = None


@dataclass
class OfflineResult:
    """What the public page shows about an uploaded file's signatures."""

    status: str  # "valid", "invalid", "no_signature", "unreadable"
    signatures: list = field(default_factory=list)
    modified_after_signing: bool = False
    error: str | None = None

    @property
    def valid(self):
        return self.status == "valid"

    @property
    def signature_count(self):
        return len(self.signatures)

    @property
    def message_id(self):
        return {
            "valid": "Tanda tangan elektronik valid dan dokumen utuh sejak "
            "ditandatangani.",
            "invalid": "Tanda tangan elektronik tidak valid atau dokumen telah "
            "diubah setelah ditandatangani.",
            "no_signature": "Dokumen tidak memiliki tanda tangan elektronik.",
            "unreadable": "Berkas bukan PDF yang dapat dibaca.",
        }[self.status]


def load_trust_roots(source):
    """Certificates from PEM/DER bytes, a PEM string, or a file path.

    A PEM bundle may carry several certificates (root and intermediates); all
    are returned, and the caller decides which are anchors.
    """
    if isinstance(source, str) and "-----BEGIN" not in source:
        with open(source, "rb") as handle:
            source = handle.read()
    if isinstance(source, str):
        source = source.encode("ascii")
    if pem.detect(source):
        return [
            x509.Certificate.load(der)
            for kind, _headers, der in pem.unarmor(source, multiple=True)
            if kind == "CERTIFICATE"
        ]
    return [x509.Certificate.load(source)]


def _context(trust_roots, other_certs):
    from pyhanko_certvalidator import ValidationContext

    # A fresh context per check: it caches paths and is not thread-safe.
    return ValidationContext(
        trust_roots=list(trust_roots),
        other_certs=list(other_certs or ()),
        allow_fetching=False,
        revocation_mode="soft-fail",
    )


def verify_pdf(data, trust_roots, other_certs=None):
    """Check every embedded signature of ``data``; never raises on bad input."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    if not data or b"%PDF-" not in data[:1024]:
        return OfflineResult("unreadable", error="not a PDF")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as exc:
        return OfflineResult("unreadable", error=type(exc).__name__)
    if not embedded:
        return OfflineResult("no_signature")
    checks = []
    for emb in embedded:
        check = SignatureCheck(field_name=str(emb.field_name))
        try:
            check.signer_cn = emb.signer_cert.subject.native.get("common_name")
        except Exception:
            check.signer_cn = None
        try:
            ctx = _context(trust_roots, other_certs)
            status = validate_pdf_signature(
                emb, signer_validation_context=ctx, ts_validation_context=ctx
            )
        except Exception as exc:
            _log.info("offline validation error on %s: %r", check.field_name, exc)
            check.error = type(exc).__name__
            checks.append(check)
            continue
        check.intact = bool(status.intact)
        check.trusted = bool(status.trusted)
        check.valid = bool(status.bottom_line)
        check.signing_time = status.signer_reported_dt
        if status.timestamp_validity is not None:
            check.timestamp_time = status.timestamp_validity.timestamp
        check.covers_whole_file = getattr(status.coverage, "name", "") == "ENTIRE_FILE"
        checks.append(check)
    last_covers = checks[-1].covers_whole_file
    all_ok = all(c.intact and c.trusted and c.valid for c in checks)
    result = OfflineResult(
        "valid" if all_ok and last_covers else "invalid",
        signatures=checks,
        modified_after_signing=not last_covers,
    )
    return result
