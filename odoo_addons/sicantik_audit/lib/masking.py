"""Mask personal data before it enters the audit trail.

Why mask at logging time and not at display time: the trail is append-only and
archived to S3 for years; whatever is written can never be corrected later.  So
the details dict and the summary are masked *before* they are hashed, and the
unmasked value never reaches the table, the archive or the anchor.

Rules (keys compared case-insensitively, ignoring ``-``/``_``/spaces):

- NIK and similar identity numbers: keep the last 4 digits, ``************1234``;
- NPWP, reference numbers, phone numbers: the same, whatever their punctuation;
- e-mail: first character of the local part and the domain, ``b***@example.id``;
- secrets (password, passphrase, token, secret, api key, authorization): the
  value is replaced by ``[redacted]``;
- anywhere in free text (any key, and the summary): a run of 16 digits — the
  shape of a NIK — is masked as above.
"""

import re

MASK_CHAR = "*"
REDACTED = "[redacted]"

_NORMALISE = re.compile(r"[\s_\-.]+")

#: Keys whose value is an identity number: only its last 4 digits remain.
LAST4_KEYS = {
    "nik",
    "noktp",
    "ktp",
    "nomorindukkependudukan",
    "nikpemohon",
    "niksigner",
    "npwp",
    "noreferensi",
    "nomorreferensi",
    "noref",
    "phone",
    "telepon",
    "telp",
    "notelp",
    "nohp",
    "hp",
    "mobile",
    "whatsapp",
    "nokk",
    "kk",
}
EMAIL_KEYS = {"email", "emailaddress", "surel"}
SECRET_KEYS = {
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "accesstoken",
    "apikey",
    "authorization",
    "secretkey",
    "otp",
    "pin",
}

NIK_IN_TEXT = re.compile(r"(?<!\d)\d{16}(?!\d)")
ALREADY_MASKED = re.compile(r"^\*+\w{0,4}$")


def _norm(key):
    return _NORMALISE.sub("", str(key)).lower()


def mask_last4(value):
    """Replace every digit but the last 4 by ``*``; drop other characters.

    Idempotent: an already masked value is returned unchanged.
    """
    if isinstance(value, str) and ALREADY_MASKED.match(value):
        return value
    digits = re.sub(r"\D", "", str(value))
    if not digits:
        text = str(value)
        return MASK_CHAR * max(len(text) - 4, 0) + text[-4:] if text else text
    if len(digits) <= 4:
        return MASK_CHAR * len(digits)
    return MASK_CHAR * (len(digits) - 4) + digits[-4:]


def mask_email(value):
    text = str(value)
    local, sep, domain = text.partition("@")
    if not sep:
        return mask_last4(text)
    return f"{local[:1]}***@{domain}"


def mask_text(text):
    """Mask NIK-shaped numbers inside free text (summaries, messages)."""
    if not isinstance(text, str) or not text:
        return text
    return NIK_IN_TEXT.sub(lambda m: mask_last4(m.group(0)), text)


def _is_secret(norm_key):
    return norm_key in SECRET_KEYS or norm_key.endswith(
        ("password", "passphrase", "secret", "token", "apikey")
    )


def mask_value(key, value):
    """Mask one value according to its key (see the module docstring)."""
    if value is None or value is False:
        return value
    norm = _norm(key) if key is not None else ""
    if _is_secret(norm):
        return REDACTED
    if isinstance(value, dict):
        return mask(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [mask_value(key, item) for item in value]
    if norm in LAST4_KEYS:
        return mask_last4(value)
    if norm in EMAIL_KEYS:
        return mask_email(value)
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, bool | float) or value is None:
        return value
    if isinstance(value, int):
        # A 16-digit integer is a NIK that lost its quotes.
        return mask_last4(value) if len(str(abs(value))) == 16 else value
    return mask_text(str(value))


def mask(details):
    """A masked copy of ``details`` (dict), recursing into dicts and lists."""
    if details is None:
        return {}
    if not isinstance(details, dict):
        return {"value": mask_value(None, details)}
    return {str(key): mask_value(key, value) for key, value in details.items()}
