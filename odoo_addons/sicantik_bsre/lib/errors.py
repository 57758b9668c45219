"""Typed BSrE errors, each carrying a clear Indonesian message.

Why typed errors: the workflow must react differently to "the official typed
the wrong passphrase" (ask again), "the certificate cannot sign" (stop, tell the
official to go to BSrE), "the service is down" (try later, nothing happened) and
"we do not know whether the document was signed" (never retry blindly).  A
string match in the Odoo layer would spread the vendor's inconsistent wire
format (``docs/reference/bsre.md#error-bodies``) all over the addon; it is
decoded once, here.

Why ``message_id`` and not ``str(exc)`` for users: the server's own text is in
mixed Indonesian/English and sometimes carries Java exception names.  The
officer sees ``message_id``; ``detail`` keeps the server text (already scrubbed
of the request's secrets) for administrators.

Secrets: an error is built from the *response* only, never from the request
body, and :func:`scrub` removes the passphrase should a server ever echo it.
"""

#: Indonesian explanation per non-signing certificate status
#: (docs/reference/bsre.md#certificate-status-values).
STATUS_MESSAGES = {
    "ISSUE": "Sertifikat aktif dan dapat digunakan untuk menandatangani.",
    "EXPIRED": "Sertifikat kedaluwarsa.",
    "RENEW": "Sertifikat sedang dalam proses pembaruan.",
    "WAITING_FOR_VERIFICATION": "Permohonan sertifikat masih menunggu verifikasi.",
    "NEW": "Sertifikat belum diaktivasi.",
    "NO_CERTIFICATE": "Pengguna belum memiliki sertifikat elektronik.",
    "NOT_REGISTERED": "NIK tidak terdaftar di BSrE.",
    "SUSPEND": "Sertifikat sedang ditangguhkan (suspend).",
    "REVOKE": "Sertifikat telah dicabut (revoke).",
}


def scrub(text, *secrets):
    """Return ``text`` with every non-empty secret replaced by ``***``."""
    if not text:
        return text
    text = str(text)
    for secret in secrets:
        if secret:
            text = text.replace(str(secret), "***")
    return text


class BsreError(Exception):
    """Base of every error the client raises.

    ``http_status`` and ``bsre_code`` describe the response (``None`` when there
    was none); ``detail`` is the server's message, scrubbed and shortened.
    ``retryable`` tells whether repeating the *same* call is safe and may help.
    """

    default_message = "Permintaan ke BSrE gagal."
    retryable = False

    def __init__(self, detail=None, http_status=None, bsre_code=None):
        self.detail = (str(detail)[:300] if detail else None) or None
        self.http_status = http_status
        self.bsre_code = bsre_code
        super().__init__(self.message_id)

    @property
    def message_id(self):
        """The Indonesian sentence shown to officers."""
        return self.default_message

    def __str__(self):
        parts = [self.message_id]
        if self.http_status:
            parts.append(f"HTTP {self.http_status}")
        if self.bsre_code:
            parts.append(f"kode {self.bsre_code}")
        if self.detail:
            parts.append(self.detail)
        return " — ".join(parts)

    def __repr__(self):
        return (
            f"{type(self).__name__}(http_status={self.http_status!r}, "
            f"bsre_code={self.bsre_code!r}, detail={self.detail!r})"
        )


class WrongPassphrase(BsreError):
    default_message = "Passphrase salah."


class WrongOtp(WrongPassphrase):
    """A wrong, used or expired one-time code: stops a batch like a wrong
    passphrase (every further call would fail the same way)."""

    default_message = "Kode OTP salah atau sudah kedaluwarsa. Minta kode baru."


class OtpNotActivated(BsreError):
    default_message = (
        "TOTP belum diaktifkan untuk akun BSrE ini; tandatangani dengan passphrase."
    )


class NikNotRegistered(BsreError):
    default_message = "NIK tidak terdaftar di BSrE."


class CertificateNotActive(BsreError):
    """The signer's certificate status is not ISSUE: signing is impossible."""

    default_message = "Sertifikat tidak aktif."

    def __init__(self, status=None, detail=None, http_status=None, bsre_code=None):
        self.status = status
        super().__init__(detail, http_status, bsre_code)

    @property
    def message_id(self):
        text = STATUS_MESSAGES.get(self.status)
        if text and self.status != "ISSUE":
            return text
        if self.status:
            return f"Sertifikat tidak aktif (status {self.status})."
        return self.default_message


class CertificateExpired(CertificateNotActive):
    default_message = "Sertifikat kedaluwarsa."

    def __init__(self, detail=None, http_status=None, bsre_code=None, status=None):
        super().__init__(status or "EXPIRED", detail, http_status, bsre_code)


class InvalidDocument(BsreError):
    default_message = "Dokumen PDF tidak valid atau tidak dapat diproses BSrE."


class AuthenticationFailed(BsreError):
    default_message = (
        "Kredensial API BSrE ditolak; periksa pengguna dan kata sandi API."
    )


class ServiceUnavailable(BsreError):
    """Nothing was done by BSrE (or it failed before doing anything)."""

    default_message = (
        "Layanan BSrE tidak dapat dihubungi atau sedang gangguan. "
        "Silakan coba lagi nanti."
    )
    retryable = True


class RequestRejected(BsreError):
    """A business error BSrE reported that none of the types above covers."""

    default_message = "Permintaan ditolak oleh BSrE."


class InvalidResponse(BsreError):
    """A read-only call answered with something the client cannot read."""

    default_message = "Jawaban BSrE tidak dapat dibaca."


class OutcomeUnknown(BsreError):
    """The sign request left this machine but no usable answer came back.

    BSrE may or may not have signed: the document must be reconciled (look for
    evidence of the signed output, or ask the official) before any new attempt.
    """

    default_message = (
        "Hasil penandatanganan tidak diketahui (koneksi terputus atau waktu habis "
        "setelah permintaan terkirim). Jangan tandatangani ulang sebelum "
        "direkonsiliasi."
    )
