"""Signer accounts, certificate statuses and the codes the API reports for them.

Why a table: BSrE reports a user's state in three places with three different
encodings (v1 ``/api/user/status`` as an int, v2 ``check/status`` as a string,
sign errors as text with a code appended). Only 1110, 1111, 2011, 2021 and 2031
are evidenced in public material (docs/reference/bsre.md#error-codes); the
rest are sandbox choices, kept in this one table so the README, the endpoints
and the tests agree.

Passphrases: the seed file holds sandbox-only passphrases in clear text because
they must be documented for testers. In memory the store keeps only a salted
PBKDF2 hash, and passphrases sent in requests are compared, never kept.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from . import totp as totp_mod

SEED_FILE = Path(__file__).with_name("users.json")


@dataclass(frozen=True)
class StatusInfo:
    """How one certificate status is reported on each API surface."""

    v1_code: int
    v2_code: str
    message: str
    sign_error: str | None
    has_certificate: bool


# Order of BSrE's guide (docs/reference/bsre.md#certificate-status-values).
STATUSES: dict[str, StatusInfo] = {
    "ISSUE": StatusInfo(
        1111,
        "1111",
        "User sudah terdaftar dan memiliki sertifikat dengan status ISSUE",
        None,
        True,
    ),
    "EXPIRED": StatusInfo(
        1113,
        "2041",
        "Masa berlaku sertifikat user telah habis",
        "Sertifikat user telah kadaluarsa",
        True,
    ),
    "RENEW": StatusInfo(
        1114,
        "2042",
        "Sertifikat user sedang dalam proses pembaruan",
        "Sertifikat user sedang dalam proses pembaruan",
        True,
    ),
    "WAITING_FOR_VERIFICATION": StatusInfo(
        1115,
        "2022",
        "Permohonan sertifikat user sedang dalam proses verifikasi",
        "Permohonan sertifikat user belum diverifikasi",
        False,
    ),
    "NEW": StatusInfo(
        1116,
        "2023",
        "User sudah memiliki sertifikat tetapi belum melakukan aktivasi",
        "Sertifikat user belum diaktivasi",
        True,
    ),
    "NO_CERTIFICATE": StatusInfo(
        1112,
        "2021",
        "User sudah terdaftar tetapi belum memiliki sertifikat",
        "User tidak memiliki sertifikat",
        False,
    ),
    "NOT_REGISTERED": StatusInfo(
        1110,
        "2011",
        "User belum terdaftar",
        "User tidak terdaftar",
        False,
    ),
    "SUSPEND": StatusInfo(
        1117,
        "2061",
        "Sertifikat user sedang ditangguhkan",
        "Sertifikat user sedang ditangguhkan (suspend)",
        True,
    ),
    "REVOKE": StatusInfo(
        1118,
        "2062",
        "Sertifikat user telah dicabut",
        "Sertifikat user telah dicabut (revoke)",
        True,
    ),
}

NIK_RE = re.compile(r"^\d{16}$")
_PBKDF2_ROUNDS = 10_000


def _hash_passphrase(passphrase: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac(
        "sha256", passphrase.encode("utf-8"), salt, _PBKDF2_ROUNDS
    )


@dataclass
class User:
    """One signer. ``status`` is a key of :data:`STATUSES`."""

    nik: str | None
    email: str | None
    name: str
    status: str
    organization: str = "Pemerintah Kabupaten Sandbox"
    totp_secret: str | None = None
    _salt: bytes = field(default=b"", repr=False)
    _pass_hash: bytes = field(default=b"", repr=False)

    def set_passphrase(self, passphrase: str | None) -> None:
        if passphrase is None:
            self._salt, self._pass_hash = b"", b""
            return
        self._salt = secrets.token_bytes(16)
        self._pass_hash = _hash_passphrase(passphrase, self._salt)

    def has_passphrase(self) -> bool:
        return bool(self._pass_hash)

    def check_passphrase(self, passphrase: str) -> bool:
        if not self._pass_hash or not isinstance(passphrase, str):
            return False
        candidate = _hash_passphrase(passphrase, self._salt)
        return hmac.compare_digest(candidate, self._pass_hash)

    @property
    def key(self) -> str:
        """Stable identity used for certificate file names and logs."""
        return self.nik or (self.email or "").lower()

    def public_dict(self) -> dict:
        """What admin endpoints may show: never the passphrase or its hash."""
        return {
            "nik": self.nik,
            "email": self.email,
            "name": self.name,
            "status": self.status,
            "organization": self.organization,
            "has_passphrase": self.has_passphrase(),
            "totp_secret": self.totp_secret,
        }


@dataclass
class SealSubscriber:
    """An institution registered for e-seal (segel elektronik)."""

    id_subscriber: str
    name: str
    organization: str
    email: str | None = None

    @property
    def key(self) -> str:
        return "seal-" + self.id_subscriber

    def public_dict(self) -> dict:
        return {
            "id_subscriber": self.id_subscriber,
            "name": self.name,
            "organization": self.organization,
            "email": self.email,
        }


class UserError(ValueError):
    """Invalid user definition (admin endpoint or seed file)."""


def _user_from_dict(data: dict) -> User:
    if not isinstance(data, dict):
        raise UserError("user must be a JSON object")
    nik = data.get("nik") or None
    email = data.get("email") or None
    if nik is None and email is None:
        raise UserError("user needs nik or email")
    if nik is not None and not NIK_RE.match(str(nik)):
        raise UserError("nik must be 16 digits")
    status = str(data.get("status", "ISSUE")).upper()
    if status not in STATUSES:
        raise UserError(f"unknown status {status!r}; one of {sorted(STATUSES)}")
    name = str(data.get("name") or "Pengguna Sandbox")
    user = User(
        nik=str(nik) if nik else None,
        email=str(email) if email else None,
        name=name,
        status=status,
        organization=str(data.get("organization") or "Pemerintah Kabupaten Sandbox"),
        totp_secret=data.get("totp_secret") or None,
    )
    if status == "ISSUE" and user.totp_secret is None:
        user.totp_secret = totp_mod.new_secret()
    user.set_passphrase(data.get("passphrase"))
    return user


def _subscriber_from_dict(data: dict) -> SealSubscriber:
    if not isinstance(data, dict) or not data.get("id_subscriber"):
        raise UserError("seal subscriber needs id_subscriber")
    return SealSubscriber(
        id_subscriber=str(data["id_subscriber"]),
        name=str(data.get("name") or "Instansi Sandbox"),
        organization=str(data.get("organization") or "Pemerintah Kabupaten Sandbox"),
        email=data.get("email") or None,
    )


class UserStore:
    """Thread-safe signer and seal-subscriber registry, seeded from JSON.

    Users added at runtime live only in memory: a restart (or
    ``POST /_sandbox/reset``) returns to the seed so test runs stay
    independent.
    """

    def __init__(self, seed_path: Path | str = SEED_FILE):
        self.seed_path = Path(seed_path)
        self._lock = threading.RLock()
        self.reload()

    def reload(self) -> None:
        with open(self.seed_path, encoding="utf-8") as fh:
            seed = json.load(fh)
        users = [_user_from_dict(u) for u in seed.get("users", [])]
        subs = [_subscriber_from_dict(s) for s in seed.get("seal_subscribers", [])]
        with self._lock:
            self._by_nik: dict[str, User] = {}
            self._by_email: dict[str, User] = {}
            for user in users:
                self._index(user)
            self._subscribers = {s.id_subscriber: s for s in subs}

    def _index(self, user: User) -> None:
        if user.nik:
            old = self._by_nik.get(user.nik)
            if old is not None and old.email:
                self._by_email.pop(old.email.lower(), None)
            self._by_nik[user.nik] = user
        if user.email:
            old = self._by_email.get(user.email.lower())
            if old is not None and old.nik and old.nik != user.nik:
                self._by_nik.pop(old.nik, None)
            self._by_email[user.email.lower()] = user

    def add(self, data: dict) -> User:
        user = _user_from_dict(data)
        with self._lock:
            self._index(user)
        return user

    def find(self, nik: str | None = None, email: str | None = None) -> User | None:
        """Look a signer up by NIK or e-mail (e-mail is case-insensitive)."""
        with self._lock:
            if nik:
                return self._by_nik.get(str(nik).strip())
            if email:
                return self._by_email.get(str(email).strip().lower())
        return None

    def set_status(self, ident: str, status) -> User | None:
        """Change the certificate status of the user with NIK/e-mail ``ident``."""
        status = str(status or "").upper()
        if status not in STATUSES:
            raise UserError(f"unknown status {status!r}; one of {sorted(STATUSES)}")
        with self._lock:
            user = self.find_any(ident)
            if user is not None:
                user.status = status
                if status == "ISSUE" and user.totp_secret is None:
                    user.totp_secret = totp_mod.new_secret()
        return user

    def find_any(self, ident: str) -> User | None:
        """NIK or e-mail, whichever ``ident`` looks like (chain endpoint)."""
        return self.find(email=ident) if "@" in ident else self.find(nik=ident)

    def all_users(self) -> list[User]:
        with self._lock:
            seen: dict[int, User] = {}
            for user in list(self._by_nik.values()) + list(self._by_email.values()):
                seen[id(user)] = user
            return list(seen.values())

    def subscriber(self, id_subscriber: str | None) -> SealSubscriber | None:
        if not id_subscriber:
            return None
        with self._lock:
            return self._subscribers.get(str(id_subscriber))

    def all_subscribers(self) -> list[SealSubscriber]:
        with self._lock:
            return list(self._subscribers.values())

    def add_subscriber(self, data: dict) -> SealSubscriber:
        sub = _subscriber_from_dict(data)
        with self._lock:
            self._subscribers[sub.id_subscriber] = sub
        return sub
