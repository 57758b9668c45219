"""Offline pyHanko validation of sandbox-signed PDFs against the sandbox CA,
and of hostile files (a flate bomb, hundreds of signature fields)."""

import datetime as dt
import io
import resource
import time

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from sicantik_bsre_lib.offline_verify import (
    DEFAULT_LIMITS,
    Limits,
    load_trust_roots,
    verify_pdf,
)
from support import ADDONS, load_module

from .conftest import ISSUE_NIK, PASSPHRASE, make_pdf

# The hostile files are built by the same code as in the Odoo route tests.
hostile = load_module(
    "sicantik_bsre_hostile_pdf", ADDONS / "sicantik_bsre" / "tests" / "hostile_pdf.py"
)
flate_bomb = hostile.flate_bomb
with_signature_fields = hostile.with_signature_fields


def test_signed_pdf_is_valid(client, trust_roots):
    signed = client.sign(make_pdf("Izin 42"), ISSUE_NIK, PASSPHRASE).files[0]
    result = verify_pdf(signed, trust_roots)
    assert result.status == "valid" and result.valid
    (sig,) = result.signatures
    assert sig.intact and sig.trusted and sig.covers_whole_file
    assert sig.signer_cn == "Budi Santoso"
    now = dt.datetime.now(dt.timezone.utc)
    assert abs((now - sig.timestamp_time).total_seconds()) < 300
    assert "valid" in result.message_id


def test_tampered_pdf_is_invalid(client, trust_roots):
    signed = client.sign(make_pdf("Izin 43"), ISSUE_NIK, PASSPHRASE).files[0]
    tampered = bytearray(signed)
    tampered[tampered.index(b"Izin 43") + 5] = ord("9")
    result = verify_pdf(bytes(tampered), trust_roots)
    assert result.status == "invalid"
    assert not result.signatures[0].intact


def test_bytes_appended_after_signing(client, trust_roots):
    signed = client.sign(make_pdf("Izin 44"), ISSUE_NIK, PASSPHRASE).files[0]
    # A well-formed incremental update that changes the document catalog.
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.root["/SicantikTampered"] = generic.NameObject("/Yes")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue(), trust_roots)
    assert result.status == "invalid" and result.modified_after_signing
    assert result.signatures[0].intact  # the signed bytes themselves are intact


def test_unsigned_and_unreadable(trust_roots):
    assert verify_pdf(make_pdf("plain"), trust_roots).status == "no_signature"
    assert verify_pdf(b"hello", trust_roots).status == "unreadable"
    assert verify_pdf(b"%PDF-1.7 rubbish", trust_roots).status in (
        "unreadable",
        "no_signature",
    )


def test_untrusted_root_is_invalid(client, sandbox):
    signed = client.sign(make_pdf("Izin 45"), ISSUE_NIK, PASSPHRASE).files[0]
    # The TSA certificate is not a CA for the signer: trusting only it fails.
    chain = (sandbox.state_dir / "pki").glob("*.pem")
    others = [
        cert
        for path in sorted(chain)
        if "root" not in path.name
        for cert in load_trust_roots(str(path))
        if cert.ca is False
    ]
    assert others, "expected leaf certificates in the sandbox PKI"
    result = verify_pdf(signed, others[:1])
    assert result.status == "invalid"
    assert result.signatures[0].intact and not result.signatures[0].trusted


def test_load_trust_roots_from_path(sandbox):
    roots = load_trust_roots(str(sandbox.ca_pem_path))
    assert len(roots) == 1 and roots[0].ca


# ---------------------------------------------------------------- hostile files
def peak_rss_kib():
    """Peak RSS (KiB) of this process: the check must not raise it."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def test_flate_bomb_is_refused_with_bounded_memory(trust_roots):
    bomb = flate_bomb(1)
    assert len(bomb) < 16 * 1024
    before = peak_rss_kib()
    started = time.monotonic()
    result = verify_pdf(bomb, trust_roots)
    assert result.status == "too_complex" and not result.valid
    assert "terlalu rumit" in result.message_id
    assert time.monotonic() - started < DEFAULT_LIMITS.timeout
    # The gigabyte was never inflated in this process (nor in the child:
    # it stopped at max_stream_bytes).
    assert peak_rss_kib() - before < 64 * 1024
    # The child's peak (~180 MB: Python, pyHanko, one capped stream) stays far
    # below the gigabyte and below its own RLIMIT_AS.
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert children * 1024 < 400 * 1024 * 1024


def test_500_signature_fields_are_refused(client, trust_roots):
    signed = client.sign(make_pdf("Izin 46"), ISSUE_NIK, PASSPHRASE).files[0]
    hostile = with_signature_fields(signed, 500)
    started = time.monotonic()
    result = verify_pdf(hostile, trust_roots)
    assert result.status == "too_complex"
    assert result.signatures == []  # none was validated
    assert time.monotonic() - started < 10
    # The same file with a few extra fields is still checked normally.
    few = verify_pdf(with_signature_fields(signed, 2), trust_roots)
    assert few.signature_count == 3 and few.status != "too_complex"


def test_time_budget_stops_between_signatures(client, trust_roots):
    signed = client.sign(make_pdf("Izin 47"), ISSUE_NIK, PASSPHRASE).files[0]
    tight = Limits(time_budget=0.0)
    result = verify_pdf(with_signature_fields(signed, 3), trust_roots, limits=tight)
    assert result.status == "too_complex" and result.error == "time budget spent"


def test_child_memory_limit_ends_only_the_child(client, trust_roots):
    """A child that cannot even start within its memory limit answers
    ``too_complex``; this process goes on and checks the next file."""
    signed = client.sign(make_pdf("Izin 48"), ISSUE_NIK, PASSPHRASE).files[0]
    starved = Limits(memory_bytes=32 * 1024 * 1024)
    assert verify_pdf(signed, trust_roots, limits=starved).status == "too_complex"
    assert verify_pdf(signed, trust_roots).status == "valid"
