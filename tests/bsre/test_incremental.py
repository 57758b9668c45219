"""A signed file is bound to a request only if it extends that request's original.

Every attack here is a file an officer could attach to a request for
reconciliation; the signed PDFs are real ones from the BSrE sandbox.
"""

import pytest
from sicantik_bsre_lib.incremental import NotAppendedSignature, check_appended

from .conftest import ISSUE_NIK, PASSPHRASE, make_pdf


def reason(original, signed):
    with pytest.raises(NotAppendedSignature) as info:
        check_appended(original, signed)
    return info.value.reason


def test_true_signed_file_is_accepted(client):
    original = make_pdf("Izin 001")
    (signed,) = client.sign(original, ISSUE_NIK, PASSPHRASE).files
    assert check_appended(original, signed) is True


def test_signed_pdf_of_another_permit_is_refused(client):
    ours = make_pdf("Izin 001 - CV Maju")
    other = make_pdf("Izin 002 - PT Lain")
    (other_signed,) = client.sign(other, ISSUE_NIK, PASSPHRASE).files
    assert reason(ours, other_signed) == "prefix"


def test_original_with_bytes_appended_is_refused(client):
    original = make_pdf("Izin 003")
    assert reason(original, original + b"\n%% not a signature\n") == "no_signature"
    assert reason(original, original) == "prefix"  # nothing was appended


def test_another_signature_pasted_after_the_original_is_refused(client):
    """The original followed by the appended part of another permit's signed
    file: the prefix holds, but that signature covers the other bytes."""
    original = make_pdf("Izin 004 asli")
    other = make_pdf("Izin 005 lain")
    (other_signed,) = client.sign(other, ISSUE_NIK, PASSPHRASE).files
    forged = original + other_signed[len(other) :]
    assert reason(original, forged) in {"coverage", "digest", "unreadable"}


def test_tampered_signed_bytes_are_refused(client):
    original = make_pdf("Izin 006")
    (signed,) = client.sign(original, ISSUE_NIK, PASSPHRASE).files
    # Flip one byte of the appended part that the signature covers (the
    # xref/trailer at the end of the file), keeping the prefix.
    pos = len(signed) - 20
    tampered = signed[:pos] + bytes([signed[pos] ^ 0x01]) + signed[pos + 1 :]
    assert reason(original, tampered) in {"digest", "unreadable", "coverage"}


def test_garbage_is_refused():
    original = make_pdf("Izin 007")
    assert reason(original, b"%PDF-1.7 nothing") == "prefix"
    assert reason(b"", b"%PDF-1.7 nothing") == "prefix"
