"""RFC 4226 / RFC 6238 one-time passwords, implemented with the standard library.

Why not ``pyotp``: the sandbox must not add dependencies to the project, and
the algorithm is twenty lines of ``hmac``. Codes produced here match any
authenticator app (Google Authenticator, the BeSign Mobile style of app) fed
with the same base32 secret, so a test can compute the code a signer would
type without asking the sandbox.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time

DEFAULT_STEP = 30
DEFAULT_DIGITS = 6


def new_secret() -> str:
    """A fresh random base32 secret (160 bits, the RFC 4226 recommendation)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def _decode_secret(secret: str) -> bytes:
    """Decode base32, tolerating lower case and missing padding.

    Authenticator apps print secrets in lower case, grouped, unpadded; accept
    what a human would paste.
    """
    cleaned = secret.replace(" ", "").upper()
    cleaned += "=" * (-len(cleaned) % 8)
    return base64.b32decode(cleaned)


def hotp(
    key: bytes, counter: int, digits: int = DEFAULT_DIGITS, digest: str = "sha1"
) -> str:
    """RFC 4226 HOTP value of ``counter`` (dynamic truncation, zero padded)."""
    mac = hmac.new(key, struct.pack(">Q", counter), getattr(hashlib, digest))
    raw = mac.digest()
    offset = raw[-1] & 0x0F
    code = struct.unpack(">I", raw[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(code % (10**digits)).zfill(digits)


def totp(
    secret: str | bytes,
    for_time: float | None = None,
    step: int = DEFAULT_STEP,
    digits: int = DEFAULT_DIGITS,
    digest: str = "sha1",
) -> str:
    """RFC 6238 TOTP for ``for_time`` (default: now).

    ``secret`` may be raw key bytes (as in the RFC's test vectors) or a base32
    string (as stored in ``users.json``).
    """
    key = secret if isinstance(secret, bytes) else _decode_secret(secret)
    now = time.time() if for_time is None else for_time
    return hotp(key, int(now // step), digits=digits, digest=digest)


def verify_totp(
    secret: str | bytes,
    code: str,
    for_time: float | None = None,
    step: int = DEFAULT_STEP,
    window: int = 1,
) -> int | None:
    """Return the matching time-step counter, or ``None``.

    A window of one step either side absorbs the clock skew between the
    signer's phone and the server, as real TOTP servers do. The counter is
    returned (not just True) so the caller can refuse a replay of the same
    code within its validity window.
    """
    if not code or not code.isdigit():
        return None
    now = time.time() if for_time is None else for_time
    base = int(now // step)
    key = secret if isinstance(secret, bytes) else _decode_secret(secret)
    for delta in range(-window, window + 1):
        counter = base + delta
        if hmac.compare_digest(hotp(key, counter, digits=len(code)), code):
            return counter
    return None
