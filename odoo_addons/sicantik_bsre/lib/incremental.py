"""Is a signed PDF *this* original plus an appended signature?

Why: a signed file reaches a request not only as the answer of our own signing
call but also through reconciliation (a kept copy, the v1 one-time download),
and any officer can attach a file to a request.  PAdES signs incrementally:
the original's bytes stay untouched at the start of the signed file and the
new signature's ``/ByteRange`` covers them.  Requiring both (and a signature
whose digest matches the bytes it claims to cover) means a signed PDF of
another permit, or the original with some bytes glued on, can never be bound
to a request.  Whose certificate signed is BSrE's business and is checked by
the public verification (``offline_verify``); here only the binding matters.
"""

import io

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.generic_cms import validate_sig_integrity


class NotAppendedSignature(ValueError):
    """The signed file is not the original plus an appended signature."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _last_signature(signed):
    try:
        reader = PdfFileReader(io.BytesIO(signed), strict=False)
        signatures = list(reader.embedded_signatures)
    except Exception as exc:  # any parser failure means "not a signed PDF"
        raise NotAppendedSignature("unreadable") from exc
    if not signatures:
        raise NotAppendedSignature("no_signature")

    def end(sig):
        byte_range = list(sig.byte_range or [])
        return byte_range[2] + byte_range[3] if len(byte_range) == 4 else -1

    return max(signatures, key=end)


def check_appended(original, signed):
    """Raise :class:`NotAppendedSignature` unless ``signed`` extends ``original``.

    Checks, in order: the original is a strict prefix of the signed file; the
    last signature's byte range starts at 0 and its first segment covers the
    whole original (the excluded ``/Contents`` hole lies in the appended
    part); the signature's digest matches those bytes.  ``reason`` says which
    check failed: ``prefix``, ``unreadable``, ``no_signature``, ``coverage``
    or ``digest``.
    """
    original = bytes(original or b"")
    signed = bytes(signed or b"")
    if not original or len(signed) <= len(original) or not signed.startswith(original):
        raise NotAppendedSignature("prefix")
    sig = _last_signature(signed)
    byte_range = [int(v) for v in (sig.byte_range or [])]
    if (
        len(byte_range) != 4
        or byte_range[0] != 0
        or byte_range[1] < len(original)
        or byte_range[2] < byte_range[1]
        or byte_range[2] + byte_range[3] > len(signed)
    ):
        raise NotAppendedSignature("coverage")
    try:
        intact, _valid = validate_sig_integrity(
            sig.signer_info,
            sig.signer_cert,
            expected_content_type="data",
            actual_digest=sig.compute_digest(),
        )
    except Exception as exc:
        raise NotAppendedSignature("digest") from exc
    if not intact:
        raise NotAppendedSignature("digest")
    return True
