"""Short-lived, signed download tokens and receipt tracking codes.

Why a signed token and not an id: the QR proves that a document is genuine,
not who may download it.  After the status page checked the registration
number and the second factor, it hands out a token that names one document
version and an expiry, sealed with HMAC-SHA256 under a server secret
(``sicantik_applicant_secret``).  Nothing is stored: a forged or altered
token fails the MAC, an old one fails the expiry, and ids cannot be guessed
into a download.

The tracking code printed on the receipt is derived the same way (HMAC of
the SICANTIK id and registration number), so the office never stores it
and a code of one permit opens no other.
"""

import base64
import hashlib
import hmac
import json
import time

#: Receipt code alphabet: no 0/O, 1/I/L to misread at the counter.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class TokenError(ValueError):
    """The token is malformed, forged or expired (``reason``)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret, purpose, payload):
    key = hmac.new(str(secret).encode(), purpose.encode(), hashlib.sha256).digest()
    return hmac.new(key, payload, hashlib.sha256).digest()


def make(secret, document_id, ttl, now=None):
    """A token for ``document_id`` valid ``ttl`` seconds."""
    now = int(now if now is not None else time.time())
    payload = json.dumps({"d": int(document_id), "e": now + int(ttl)}).encode()
    return f"{_b64(payload)}.{_b64(_mac(secret, 'download', payload))}"


def read(secret, token, now=None):
    """The document id of a valid token; raises :class:`TokenError`."""
    now = time.time() if now is None else now
    try:
        head, sig = str(token).split(".", 1)
        payload = _unb64(head)
        given = _unb64(sig)
    except (ValueError, TypeError) as exc:
        raise TokenError("malformed") from exc
    if not hmac.compare_digest(given, _mac(secret, "download", payload)):
        raise TokenError("bad signature")
    try:
        data = json.loads(payload)
        document_id, expires = int(data["d"]), int(data["e"])
    except (ValueError, KeyError, TypeError) as exc:
        raise TokenError("malformed") from exc
    if now > expires:
        raise TokenError("expired")
    return document_id


def tracking_code(secret, sicantik_id, registration, length=8):
    """The receipt code of one application (deterministic, not stored)."""
    payload = f"{int(sicantik_id)}:{registration}".encode()
    digest = int.from_bytes(_mac(secret, "tracking", payload), "big")
    chars = []
    for _i in range(length):
        digest, index = divmod(digest, len(_ALPHABET))
        chars.append(_ALPHABET[index])
    return "".join(chars)


def normalize_code(text):
    """What the visitor typed, compared case- and space-insensitively."""
    return "".join(str(text or "").split()).upper().replace("-", "")


def equal(a, b):
    """Constant-time comparison of two short strings."""
    return hmac.compare_digest(str(a).encode(), str(b).encode())
