"""Offline pyHanko validation of sandbox-signed PDFs against the sandbox CA."""

import datetime as dt
import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from sicantik_bsre_lib.offline_verify import load_trust_roots, verify_pdf

from .conftest import ISSUE_NIK, PASSPHRASE, make_pdf


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
