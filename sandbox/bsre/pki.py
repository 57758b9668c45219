"""The sandbox's own test PKI: root CA -> intermediate -> signer certificates.

Why a real PKI instead of canned responses: the client code we test must
handle genuine PAdES signatures (extract them, hash them, validate them with
pyHanko, show the signer). A chain of three certificates mirrors what the live
Esign Client reports (``certificateDetails`` with 3 elements,
docs/reference/bsre.md#verify), and a separate timestamp authority issued by the
same intermediate lets the sandbox produce PAdES-BASELINE-T signatures like the
real service.

Everything is created on first start into ``<state_dir>/pki`` and reused
afterwards, so a developer can trust ``/_sandbox/ca.pem`` once. The private keys
are sandbox-only and unencrypted; never point real documents at this CA.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT_NAME = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(
            NameOID.ORGANIZATION_NAME, "Balai Sertifikasi Elektronik (SANDBOX)"
        ),
        x509.NameAttribute(NameOID.COMMON_NAME, "BSrE Sandbox Root CA"),
    ]
)
INTERMEDIATE_NAME = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Lembaga Sandi Negara (SANDBOX)"),
        x509.NameAttribute(NameOID.COMMON_NAME, "OSD LU Kelas 2 SANDBOX"),
    ]
)
TSA_NAME = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(
            NameOID.ORGANIZATION_NAME, "Badan Siber dan Sandi Negara (SANDBOX)"
        ),
        x509.NameAttribute(
            NameOID.COMMON_NAME,
            "Timestamp Authority Badan Siber dan Sandi Negara (SANDBOX)",
        ),
    ]
)

_DAY = dt.timedelta(days=1)
_YEAR = dt.timedelta(days=365)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _new_key() -> rsa.RSAPrivateKey:
    # RSA like the real BSrE certificates (sha256WithRSAEncryption).
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write_private(path: Path, data: bytes) -> None:
    """Write a key file readable by the owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _safe_name(ident: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", ident)[:80] or "anon"


@dataclass
class Identity:
    """A key pair with its certificate, in the two object models we need.

    ``cryptography`` objects build and inspect certificates; pyHanko wants
    ``asn1crypto`` objects, so both are kept side by side.
    """

    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    @functools.cached_property
    def asn1_cert(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(
            self.cert.public_bytes(serialization.Encoding.DER)
        )

    @functools.cached_property
    def asn1_key(self) -> asn1_keys.PrivateKeyInfo:
        return asn1_keys.PrivateKeyInfo.load(
            self.key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @functools.cached_property
    def portable(self) -> tuple[bytes, bytes]:
        """``(certificate DER, PKCS#8 key DER)``: what a signing process needs
        to rebuild this identity (:meth:`from_portable`); picklable, unlike the
        ``cryptography`` objects."""
        key_der = self.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return self.cert.public_bytes(serialization.Encoding.DER), key_der

    @classmethod
    def from_portable(cls, portable: tuple[bytes, bytes]) -> Identity:
        cert_der, key_der = portable
        key = serialization.load_der_private_key(key_der, None)
        return cls(cert=x509.load_der_x509_certificate(cert_der), key=key)  # type: ignore[arg-type]


class SandboxPKI:
    """Loads or creates the sandbox CA hierarchy under ``state_dir/pki``."""

    def __init__(self, state_dir: Path | str):
        self.dir = Path(state_dir) / "pki"
        (self.dir / "signers").mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._cache: dict[str, Identity] = {}
        self.root = self._load_or_create("root", self._make_root)
        self.intermediate = self._load_or_create("intermediate", self._make_inter)
        self.tsa = self._load_or_create("tsa", self._make_tsa)
        self._asn1_cache: dict[str, tuple] = {}

    # -- persistence -----------------------------------------------------

    def _paths(self, stem: str, sub: str = "") -> tuple[Path, Path]:
        base = self.dir / sub if sub else self.dir
        return base / f"{stem}.key.pem", base / f"{stem}.cert.pem"

    def _load(self, key_path: Path, cert_path: Path) -> Identity | None:
        if not (key_path.exists() and cert_path.exists()):
            return None
        key = serialization.load_pem_private_key(key_path.read_bytes(), None)
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        return Identity(cert=cert, key=key)  # type: ignore[arg-type]

    def _save(self, ident: Identity, key_path: Path, cert_path: Path) -> None:
        _write_private(
            key_path,
            ident.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        cert_path.write_bytes(ident.pem)

    def _load_or_create(self, stem: str, factory) -> Identity:
        key_path, cert_path = self._paths(stem)
        ident = self._load(key_path, cert_path)
        if ident is None:
            ident = factory()
            self._save(ident, key_path, cert_path)
        return ident

    # -- certificate factories --------------------------------------------

    @staticmethod
    def _builder(
        subject: x509.Name,
        issuer: x509.Name,
        key: rsa.RSAPrivateKey,
        not_before: dt.datetime,
        not_after: dt.datetime,
    ) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                critical=False,
            )
        )

    @staticmethod
    def _key_usage(ca: bool) -> x509.KeyUsage:
        """A CA signs certificates and CRLs; anything else signs documents or
        timestamps: digitalSignature, plus nonRepudiation (content_commitment),
        which pyHanko's validator asks of a document signer by default."""
        return x509.KeyUsage(
            digital_signature=not ca,
            content_commitment=not ca,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=ca,
            crl_sign=ca,
            encipher_only=False,
            decipher_only=False,
        )

    def _make_root(self) -> Identity:
        key = _new_key()
        now = _now()
        cert = (
            self._builder(ROOT_NAME, ROOT_NAME, key, now - _DAY, now + 20 * _YEAR)
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), True)
            .add_extension(self._key_usage(ca=True), critical=True)
            .sign(key, hashes.SHA256())
        )
        return Identity(cert=cert, key=key)

    def _issue(
        self,
        issuer: Identity,
        subject: x509.Name,
        not_before: dt.datetime,
        not_after: dt.datetime,
        extensions: list[tuple[x509.ExtensionType, bool]],
    ) -> Identity:
        key = _new_key()
        builder = self._builder(
            subject, issuer.cert.subject, key, not_before, not_after
        ).add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
        for ext, critical in extensions:
            builder = builder.add_extension(ext, critical=critical)
        return Identity(cert=builder.sign(issuer.key, hashes.SHA256()), key=key)

    def _make_inter(self) -> Identity:
        now = _now()
        return self._issue(
            self.root,
            INTERMEDIATE_NAME,
            now - _DAY,
            now + 10 * _YEAR,
            [
                (x509.BasicConstraints(ca=True, path_length=0), True),
                (self._key_usage(ca=True), True),
            ],
        )

    def _make_tsa(self) -> Identity:
        now = _now()
        return self._issue(
            self.intermediate,
            TSA_NAME,
            now - _DAY,
            now + 5 * _YEAR,
            [
                (x509.BasicConstraints(ca=False, path_length=None), True),
                (self._key_usage(ca=False), True),
                # RFC 3161 requires this EKU, critical, on a TSA certificate.
                (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True),
            ],
        )

    # -- signer certificates ----------------------------------------------

    @staticmethod
    def signer_subject(name: str, organization: str, email: str | None) -> x509.Name:
        attrs = [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
        if email:
            attrs.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
        return x509.Name(attrs)

    def signer_identity(
        self,
        key: str,
        name: str,
        organization: str,
        email: str | None = None,
        expired: bool = False,
    ) -> Identity:
        """Certificate + key for one signer, created on first use.

        Re-issued when the stored one no longer matches the account (name,
        organisation or e-mail edited in the seed, or the validity window no
        longer fits the status), so the signer name in verify responses always
        equals the account's name.
        """
        subject = self.signer_subject(name, organization, email)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and self._fits(cached, subject, expired):
                return cached
            key_path, cert_path = self._paths(_safe_name(key), "signers")
            ident = self._load(key_path, cert_path)
            if ident is None or not self._fits(ident, subject, expired):
                now = _now()
                if expired:
                    window = (now - 2 * _YEAR - 30 * _DAY, now - 30 * _DAY)
                else:
                    window = (now - _DAY, now + 2 * _YEAR)
                ident = self._issue(
                    self.intermediate,
                    subject,
                    window[0],
                    window[1],
                    [
                        (x509.BasicConstraints(ca=False, path_length=None), True),
                        (self._key_usage(ca=False), True),
                    ],
                )
                self._save(ident, key_path, cert_path)
            self._cache[key] = ident
            return ident

    @staticmethod
    def _fits(ident: Identity, subject: x509.Name, expired: bool) -> bool:
        if ident.cert.subject != subject:
            return False
        is_expired = ident.cert.not_valid_after_utc < _now()
        return is_expired == expired

    # -- convenience --------------------------------------------------------

    @property
    def root_pem(self) -> bytes:
        return self.root.pem

    @property
    def chain_pem(self) -> bytes:
        """Intermediate then root: what a client needs to build paths offline."""
        return self.intermediate.pem + self.root.pem

    def asn1(self, name: str):
        """asn1crypto view of root/intermediate/tsa, parsed once."""
        with self._lock:
            if name not in self._asn1_cache:
                ident: Identity = getattr(self, name)
                self._asn1_cache[name] = (ident.asn1_cert, ident.asn1_key)
            return self._asn1_cache[name]
