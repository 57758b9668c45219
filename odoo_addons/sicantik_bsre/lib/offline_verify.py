"""Validate a signed PDF offline with pyHanko against a configured trust root.

Why offline, beside BSrE's own verify endpoint: the public "upload a PDF" check
must answer for anyone holding a file, at any rate, without spending BSrE quota
or depending on BSrE being up, and it must say something BSrE cannot — whether
the signature chains to the root *we* trust (the BSrE chain in production, the
sandbox CA in tests).  No network is used: revocation is checked in soft-fail
mode (BSrE's status is handled by account status,
``docs/reference/bsre.md#open-questions``), and AIA fetching is off so a
hostile PDF cannot make the server fetch URLs.

The verdict is deliberately strict: ``valid`` needs every signature intact and
trusted, and the last signature must cover the whole file (bytes appended after
signing are reported as ``modified_after_signing``).

Why the check runs in a child process: the file comes from anyone, and a PDF is
a program for its reader.  A few kilobytes of Flate data inflate to gigabytes,
and a file with hundreds of signature fields makes pyHanko validate hundreds of
certificate paths.  ``resource.setrlimit`` is process-wide, so setting it in an
Odoo worker would cap every request of that worker; a time budget checked in a
loop cannot interrupt one ``zlib`` call or one path validation either.  The
child (this file run as a script, ``python -I``) therefore sets its own
``RLIMIT_AS`` and ``RLIMIT_CPU`` first, caps each inflated stream and the total
inflated bytes, refuses more than ``max_signatures`` signatures before
validating any, and stops between signatures when its time budget is spent;
the parent kills it after a wall-clock timeout.  Whatever the file does, the
worker only sees a verdict, and ``too_complex`` for everything refused.  The
price is a Python start per upload (well under a second), which the public
rate limit bounds; ``MAX_PARALLEL`` bounds the children of one worker.
"""

import base64
import datetime as dt
import io
import json
import logging
import os
import subprocess
import sys
import threading
import time
import zlib
from dataclasses import asdict, dataclass, field

from asn1crypto import pem, x509

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    """What one check of an untrusted PDF may cost."""

    #: Signatures examined at most; a permit carries one or two.
    max_signatures: int = 20
    #: Bytes one Flate stream may inflate to, and all of them together.
    max_stream_bytes: int = 64 * 1024 * 1024
    max_inflated_bytes: int = 256 * 1024 * 1024
    #: Seconds of work, checked between signatures (``RLIMIT_CPU`` is 2x).
    time_budget: float = 10.0
    #: Wall-clock seconds before the parent kills the child.
    timeout: float = 30.0
    #: Address space of the child (Python, pyHanko and the file included).
    memory_bytes: int = 1024 * 1024 * 1024


DEFAULT_LIMITS = Limits()

#: Checks running at once in one worker process; the others wait for a slot.
MAX_PARALLEL = 2
_slots = threading.BoundedSemaphore(MAX_PARALLEL)


class TooComplex(Exception):
    """The file needs more than the :class:`Limits` allow."""


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

    status: str  # "valid", "invalid", "no_signature", "unreadable", "too_complex"
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
            "too_complex": "Berkas PDF terlalu rumit untuk diperiksa (terlalu "
            "banyak tanda tangan atau isi terkompresi terlalu besar).",
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


def verify_pdf(data, trust_roots, other_certs=None, limits=DEFAULT_LIMITS):
    """Check every embedded signature of ``data``; never raises on bad input.

    Runs in a child process bounded by ``limits`` (see the module doc).
    """
    if not data or b"%PDF-" not in data[:1024]:
        return OfflineResult("unreadable", error="not a PDF")
    request = {
        "pdf": base64.b64encode(data).decode("ascii"),
        "roots": [_der(cert) for cert in trust_roots],
        "others": [_der(cert) for cert in other_certs or ()],
        "limits": asdict(limits),
    }
    with _slots:
        try:
            done = subprocess.run(
                [sys.executable, "-I", os.path.abspath(__file__)],
                input=json.dumps(request).encode("ascii"),
                capture_output=True,
                # None of the worker's settings (secrets included) are needed.
                env={"PATH": os.environ.get("PATH", "")},
                timeout=limits.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            _log.warning("offline verification killed after %ss", limits.timeout)
            return OfflineResult("too_complex", error="timeout")
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        _log.warning(
            "offline verification child died (exit %s): %s",
            done.returncode,
            done.stderr.decode(errors="replace")[-500:],
        )
        return OfflineResult("too_complex", error=f"exit {done.returncode}")
    return _result_from_json(answer)


def _der(cert):
    return base64.b64encode(cert.dump()).decode("ascii")


def _result_from_json(answer):
    signatures = []
    for item in answer.pop("signatures"):
        for key in ("signing_time", "timestamp_time"):
            if item[key]:
                item[key] = dt.datetime.fromisoformat(item[key])
        signatures.append(SignatureCheck(**item))
    return OfflineResult(signatures=signatures, **answer)


def _result_to_json(result):
    answer = asdict(result)
    for item in answer["signatures"]:
        for key in ("signing_time", "timestamp_time"):
            if item[key] is not None:
                item[key] = item[key].isoformat()
    return answer


def _bound_inflation(limits):
    """Make pyHanko's Flate decoder refuse bombs (in the child only)."""
    from pyhanko.pdf_utils import filters

    spent = [0]

    def decompress(data):
        inflater = zlib.decompressobj()
        out = inflater.decompress(data, limits.max_stream_bytes + 1)
        if len(out) > limits.max_stream_bytes or inflater.unconsumed_tail:
            raise TooComplex("stream inflates beyond the limit")
        spent[0] += len(out)
        if spent[0] > limits.max_inflated_bytes:
            raise TooComplex("the file inflates beyond the limit")
        return out

    filters.decompress = decompress


def _check(data, trust_roots, other_certs, limits):
    """The check itself; runs in the child (and nowhere else)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    started = time.monotonic()
    _bound_inflation(limits)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except (TooComplex, MemoryError, RecursionError) as exc:
        return OfflineResult("too_complex", error=type(exc).__name__)
    except Exception as exc:
        return OfflineResult("unreadable", error=type(exc).__name__)
    if not embedded:
        return OfflineResult("no_signature")
    if len(embedded) > limits.max_signatures:
        return OfflineResult("too_complex", error=f"{len(embedded)} signatures")
    checks = []
    for emb in embedded:
        if time.monotonic() - started > limits.time_budget:
            return OfflineResult("too_complex", error="time budget spent")
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
        except (TooComplex, MemoryError, RecursionError) as exc:
            return OfflineResult("too_complex", error=type(exc).__name__)
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
    return OfflineResult(
        "valid" if all_ok and last_covers else "invalid",
        signatures=checks,
        modified_after_signing=not last_covers,
    )


def _child_main():
    """Read a request on stdin, bound this process, answer on stdout."""
    import resource

    request = json.loads(sys.stdin.buffer.read())
    limits = Limits(**request["limits"])
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes,) * 2)
    cpu = int(limits.time_budget * 2) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    certs = [
        [x509.Certificate.load(base64.b64decode(der)) for der in request[key]]
        for key in ("roots", "others")
    ]
    data = base64.b64decode(request["pdf"])
    del request
    result = _check(data, certs[0], certs[1], limits)
    sys.stdout.write(json.dumps(_result_to_json(result)))


if __name__ == "__main__":
    _child_main()
