"""HTTP client of the BSrE "Esign Client Service" API, v2 by default, v1 selectable.

Why the client looks like this (the contract: ``docs/reference/bsre.md``):

* **A sign call is never retried.**  Signing is not idempotent: a retry after
  a lost answer produces a second signed copy and a second entry in BSrE's own
  records.  The session's transport therefore has zero retries, and a failure
  *after* the request left this machine (read timeout, connection reset, a
  "success" without readable files) raises :class:`OutcomeUnknown`, which the
  workflow must reconcile before anyone signs that document again.  A failure
  that provably happened *before* anything was sent (connection refused, DNS,
  connect timeout, TLS certificate rejected) is :class:`ServiceUnavailable`.
* **Read-only calls are retried** (certificate status, verification): on
  connection errors and HTTP 429/500/502/503/504, with exponential backoff, jitter
  and ``Retry-After``.  500 is included because these calls are idempotent and
  an opaque Spring 500 is often transient.  A *read* timeout is not retried: the
  service is slow, and repeating would multiply the wait of an official who is
  looking at a spinner.  The one-time v1 download is not retried either: a lost
  answer would make the retry see "already downloaded".
* **Success is decided by HTTP status *and* content** (``%PDF`` magic, and every
  file of a batch present).  The "500 that still carries the file" some servers
  send is a success only when every returned file is a valid PDF; any other
  answer that carries files, or a 2xx without them, is an unknown outcome.
* **Errors are typed** (:mod:`.errors`) from the status, the ``status_code``
  and the message text, because BSrE places its codes inconsistently
  (``docs/reference/bsre.md#error-bodies``).
* **Secrets.** The passphrase is an argument of :meth:`BsreClient.sign` and is
  only put in the request body.  Nothing logs bodies (the module logs method,
  endpoint, status, sizes and durations), errors are built from responses and
  scrubbed of the passphrase, and exceptions of ``requests`` (whose
  ``.request.body`` holds the passphrase) are never chained to ours.
* **TLS verification is on by default**; a CA bundle path can replace the
  system store (the Esign Client is often installed with a private CA).

One :class:`requests.Session` per client gives connection pooling (the pool is
sized for the parallel batch path) and HTTP Basic auth with the API credential.
"""

import base64
import logging
import random
import re
import ssl
import time
from dataclasses import dataclass, field

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.retry import Retry

from .errors import (
    AuthenticationFailed,
    BsreError,
    CertificateExpired,
    CertificateNotActive,
    InvalidDocument,
    InvalidResponse,
    NikNotRegistered,
    OtpNotActivated,
    OutcomeUnknown,
    RequestRejected,
    ServiceUnavailable,
    WrongOtp,
    WrongPassphrase,
    scrub,
)

_log = logging.getLogger(__name__)

API_VERSIONS = ("v1", "v2")
#: HTTP statuses after which a *read-only* call is repeated.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Certificate statuses (docs/reference/bsre.md#certificate-status-values);
#: only ISSUE may sign.
SIGNING_STATUS = "ISSUE"

PATHS = {
    "v1.sign": "/api/sign/pdf",
    "v1.download": "/api/sign/download/{id}",
    "v1.verify": "/api/sign/verify",
    "v1.status": "/api/user/status/{nik}",
    "v2.sign": "/api/v2/sign/pdf",
    "v2.totp": "/api/v2/sign/get/totp",
    "v2.verify": "/api/v2/verify/pdf",
    "v2.status": "/api/v2/user/check/status",
}

# Text fragments of BSrE error messages → error type
# (docs/reference/bsre.md#error-mapping); the first match wins.  Codes are
# matched separately because they move between the ``status_code`` field and
# the tail of the ``error`` text.
_TEXT_RULES = (
    # Before "kadaluarsa": "TOTP anda salah atau sudah kadaluarsa" is about the
    # code, not the certificate.
    ("totp anda salah", WrongOtp),
    ("otp anda salah", WrongOtp),
    ("belum mengaktifkan totp", OtpNotActivated),
    ("passphrase anda salah", WrongPassphrase),
    ("passphrase salah", WrongPassphrase),
    ("kadaluarsa", CertificateExpired),
    ("kedaluwarsa", CertificateExpired),
    ("tidak memiliki sertifikat", "NO_CERTIFICATE"),
    ("proses pembaruan", "RENEW"),
    ("belum diverifikasi", "WAITING_FOR_VERIFICATION"),
    ("belum diaktivasi", "NEW"),
    ("ditangguhkan", "SUSPEND"),
    ("suspend", "SUSPEND"),
    ("dicabut", "REVOKE"),
    ("revoke", "REVOKE"),
    ("tidak terdaftar", NikNotRegistered),
    ("invalidpdfexception", InvalidDocument),
    ("bukan pdf", InvalidDocument),
)
_CODE_RULES = {
    2031: WrongPassphrase,
    2032: WrongOtp,
    2011: NikNotRegistered,
    1110: NikNotRegistered,
    2021: "NO_CERTIFICATE",
    2041: CertificateExpired,
}
_TRAILING_CODE = re.compile(r"\b(\d{4})\s*$")


def is_pdf(data):
    """A usable PDF: ``%PDF-`` within the first KiB and ``%%EOF`` near the end."""
    if not data or len(data) < 16:
        return False
    return b"%PDF-" in data[:1024] and b"%%EOF" in data[-2048:]


def mask_nik(nik):
    """``************0001``: the project's convention (sicantik_audit's
    ``mask_last4``), restated here because this package imports no addon."""
    nik = str(nik or "")
    return "*" * max(len(nik) - 4, 0) + nik[-4:] if len(nik) > 4 else "*" * len(nik)


@dataclass(frozen=True)
class Timeouts:
    """Seconds; ``connect`` applies to every call, the others to reading."""

    connect: float = 10.0
    status: float = 30.0
    sign: float = 120.0
    verify: float = 120.0


@dataclass
class SignatureProperties:
    """Appearance of one signature, in v2's convention.

    Coordinates are PDF points with the origin at the page's **top-left** and
    ``x, y`` the box's top-left corner (v2 ``originX/originY``); the v1 request
    is converted (bottom-left origin, lower-left corner) with the real page
    height.  ``page`` is 1-based, ``-1`` = last page.  ``tag`` (one character)
    replaces page/x/y.  ``image`` is the PNG/JPEG drawn in the box (v2
    ``imageBase64``, v1 ``imageTTD``); on v1 ``link_qr`` without ``image`` lets
    the server draw the QR code itself.
    """

    visible: bool = False
    image: bytes | None = field(default=None, repr=False)
    link_qr: str | None = None
    page: int | None = 1
    x: float = 0.0
    y: float = 0.0
    width: float = 100.0
    height: float = 100.0
    tag: str | None = None
    reason: str | None = None
    location: str | None = None
    contact_info: str | None = None

    def validate(self):
        if self.tag is not None and len(self.tag) != 1:
            raise ValueError("tag_koordinat must be exactly one character")
        if self.visible:
            if self.width <= 0 or self.height <= 0:
                raise ValueError("width and height must be positive")
            if not self.image and not self.link_qr:
                raise ValueError("a visible signature needs an image or a QR link")
            if self.tag is None and not self.page:
                raise ValueError("a visible signature needs a page or a tag")
        return self

    def to_v2(self, page_count=None):
        prop = {"tampilan": "VISIBLE" if self.visible else "INVISIBLE"}
        if self.visible:
            if not self.image:
                raise ValueError("API v2 needs the visible image (QR) itself")
            prop["imageBase64"] = base64.b64encode(self.image).decode("ascii")
            prop["width"] = float(self.width)
            prop["height"] = float(self.height)
            if self.tag:
                prop["tag_koordinat"] = self.tag
            else:
                page = self.page
                if page == -1:
                    page = page_count or 1
                prop["page"] = int(page)
                prop["originX"] = float(self.x)
                prop["originY"] = float(self.y)
        for key, value in (
            ("reason", self.reason),
            ("location", self.location),
            ("contactInfo", self.contact_info),
        ):
            if value:
                prop[key] = value
        return prop

    def to_v1(self, page_heights=None):
        """Form fields (text) and file parts of a v1 request."""
        data = {"tampilan": "visible" if self.visible else "invisible"}
        files = {}
        if self.visible:
            if self.image:
                data["image"] = "true"
                files["imageTTD"] = ("specimen.png", self.image, "image/png")
            else:
                data["image"] = "false"
                data["linkQR"] = self.link_qr
            data["width"] = _num(self.width)
            data["height"] = _num(self.height)
            if self.tag:
                data["tag_koordinat"] = self.tag
            else:
                heights = page_heights or [842.0]
                if self.page == -1:
                    data["halaman"] = "terakhir"
                    height = heights[-1]
                else:
                    data["page"] = str(int(self.page))
                    index = min(max(int(self.page), 1), len(heights)) - 1
                    height = heights[index]
                data["xAxis"] = _num(self.x)
                data["yAxis"] = _num(height - self.y - self.height)
        for key, value in (("reason", self.reason), ("location", self.location)):
            if value:
                data[key] = value
        return data, files


def _num(value):
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.2f}"


@dataclass(frozen=True)
class UserStatus:
    nik_masked: str
    status: str
    code: str | None
    message: str | None

    @property
    def can_sign(self):
        return self.status == SIGNING_STATUS

    def raise_unless_can_sign(self):
        """Raise the typed error that explains why this status cannot sign.

        Separate from the status call so that a status read earlier (and
        recorded) is judged exactly like a fresh one.
        """
        if self.can_sign:
            return self
        if self.status == "NOT_REGISTERED":
            raise NikNotRegistered(self.message, 200, self.code)
        if self.status == "EXPIRED":
            raise CertificateExpired(self.message, 200, self.code)
        raise CertificateNotActive(self.status, self.message, 200, self.code)


@dataclass
class SignResult:
    """Signed files in input order, plus what the answer said about them."""

    files: list = field(repr=False)
    http_status: int = 200
    id_dokumen: str | None = None
    time_ms: int | None = None
    duration_ms: float = 0.0
    #: Set when the answer was not a clean 200 but still carried valid files.
    warning: str | None = None


@dataclass
class VerifyResult:
    """Normalised answer of BSrE's verify endpoint (v1 and v2 shapes)."""

    valid: bool
    conclusion: str | None
    signature_count: int
    signatures: list
    raw: dict = field(repr=False)


class BsreClient:
    """Talk to one Esign Client installation with one API credential.

    ``verify`` is ``True`` (system CAs), ``False`` (refused unless
    ``allow_insecure``: only the sandbox on plain HTTP needs nothing), or a path
    to a CA bundle.  ``retries`` and ``backoff`` apply to read-only calls only.
    """

    def __init__(
        self,
        base_url,
        user,
        password,
        api_version="v2",
        timeouts=None,
        verify=True,
        retries=3,
        backoff=0.5,
        backoff_cap=8.0,
        pool_size=16,
        sleep=time.sleep,
    ):
        if api_version not in API_VERSIONS:
            raise ValueError(f"api_version must be one of {API_VERSIONS}")
        if not base_url:
            raise ValueError("base_url is required")
        self.base_url = str(base_url).rstrip("/")
        self.api_version = api_version
        if isinstance(timeouts, dict):
            timeouts = Timeouts(**{k: float(v) for k, v in timeouts.items() if v})
        self.timeouts = timeouts or Timeouts()
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.backoff_cap = float(backoff_cap)
        self._sleep = sleep
        self._session = requests.Session()
        self._session.auth = (user or "", password or "")
        self._session.verify = verify
        self._session.trust_env = False
        self._session.headers["Accept"] = "application/json, application/pdf"
        # No transport-level retries at all: the sign path must never repeat
        # a request, and read-only retries are done here, with backoff.
        adapter = HTTPAdapter(
            pool_connections=2,
            pool_maxsize=pool_size,
            max_retries=Retry(total=0, connect=0, read=0, redirect=0, status=0),
        )
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def __repr__(self):
        return f"BsreClient({self.base_url!r}, api_version={self.api_version!r})"

    def close(self):
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------ plumbing
    def _url(self, name, **params):
        return self.base_url + PATHS[name].format(**params)

    def _request(self, name, method, url, read_timeout, **kwargs):
        started = time.monotonic()
        response = self._session.request(
            method, url, timeout=(self.timeouts.connect, read_timeout), **kwargs
        )
        duration = (time.monotonic() - started) * 1000
        _log.info(
            "BSrE %s -> HTTP %s (%d bytes) in %.0f ms",
            name,
            response.status_code,
            len(response.content),
            duration,
        )
        response.duration_ms = duration
        return response

    def _readonly(self, name, method, url, read_timeout, **kwargs):
        """One read-only call with retries; returns the final response."""
        attempt = 0
        while True:
            retry_after = None
            try:
                response = self._request(name, method, url, read_timeout, **kwargs)
            except requests.exceptions.ReadTimeout:
                _log.warning("BSrE %s: read timeout (%ss)", name, read_timeout)
                raise ServiceUnavailable(
                    f"waktu tunggu {read_timeout:g} detik habis"
                ) from None
            except requests.exceptions.RequestException as exc:
                error = ServiceUnavailable(_transport_detail(exc))
                _log.warning("BSrE %s: %s", name, error.detail)
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                error = self._error_from(response, ServiceUnavailable)
                retry_after = _retry_after(response)
            if attempt >= self.retries:
                raise error
            delay = min(self.backoff_cap, self.backoff * (2**attempt))
            delay = random.uniform(delay / 2, delay)  # noqa: S311 - jitter only
            if retry_after is not None:
                delay = min(self.backoff_cap, max(delay, retry_after))
            attempt += 1
            _log.info("BSrE %s: retry %d in %.2f s", name, attempt, delay)
            self._sleep(delay)

    @staticmethod
    def _json(response):
        try:
            body = response.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _error_from(self, response, fallback=RequestRejected, secrets=()):
        """Map an error response to the most specific :class:`BsreError`."""
        status = response.status_code
        body = self._json(response) or {}
        message = body.get("message") or body.get("error") or ""
        if not isinstance(message, str):
            message = str(message)
        if status == 401:
            return AuthenticationFailed(None, status)
        code = body.get("status_code")
        try:
            code = int(code)
        except (TypeError, ValueError):
            code = None
        if code == status:
            code = None  # the "status_code": 400 shape carries no BSrE code
        if code is None:
            match = _TRAILING_CODE.search(message)
            code = int(match.group(1)) if match else None
        detail = scrub(message, *secrets) or None
        kind = _CODE_RULES.get(code)
        lowered = message.lower()
        for needle, rule in _TEXT_RULES:
            if needle in lowered:
                kind = rule
                break
        if isinstance(kind, str):
            return CertificateNotActive(kind, detail, status, code)
        if kind is not None:
            return kind(detail, status, code)
        if status in RETRY_STATUSES or status >= 500:
            return ServiceUnavailable(detail, status, code)
        if status == 404:
            return RequestRejected(detail or "tidak ditemukan", status, code)
        return fallback(detail, status, code)

    # ----------------------------------------------------------- read-only
    def user_status(self, nik):
        """Certificate status of ``nik`` (v2 check/status, v1 user/status)."""
        nik = str(nik or "").strip()
        if self.api_version == "v2":
            response = self._readonly(
                "v2.status",
                "POST",
                self._url("v2.status"),
                self.timeouts.status,
                json={"nik": nik},
            )
        else:
            response = self._readonly(
                "v1.status",
                "GET",
                self._url("v1.status", nik=requests.utils.quote(nik, safe="")),
                self.timeouts.status,
            )
        if response.status_code != 200:
            raise self._error_from(response)
        body = self._json(response)
        if not body or not body.get("status"):
            raise InvalidResponse("jawaban status tanpa field 'status'", 200)
        code = body.get("status_code")
        return UserStatus(
            nik_masked=mask_nik(nik),
            status=str(body["status"]).upper(),
            code=None if code is None else str(code),
            message=body.get("message"),
        )

    def ensure_can_sign(self, nik):
        """Raise the typed error that explains why ``nik`` cannot sign."""
        return self.user_status(nik).raise_unless_can_sign()

    def verify(self, pdf_bytes):
        """Ask BSrE to validate a signed PDF (no secrets involved)."""
        if not is_pdf(pdf_bytes):
            raise InvalidDocument("file bukan PDF")
        if self.api_version == "v2":
            payload = {"file": base64.b64encode(pdf_bytes).decode("ascii")}
            response = self._readonly(
                "v2.verify",
                "POST",
                self._url("v2.verify"),
                self.timeouts.verify,
                json=payload,
            )
        else:
            response = self._readonly(
                "v1.verify",
                "POST",
                self._url("v1.verify"),
                self.timeouts.verify,
                files={"signed_file": ("document.pdf", pdf_bytes, "application/pdf")},
            )
        if response.status_code != 200:
            raise self._error_from(response)
        body = self._json(response)
        if body is None:
            raise InvalidResponse("jawaban verifikasi bukan JSON", 200)
        return _normalise_verify(body)

    def download(self, id_dokumen):
        """v1 one-time download of a signed document (reconciliation).

        Not retried: the server forgets the file after the first download, so a
        retry after a lost answer would only ever see "not available".
        Returns the PDF bytes, or ``None`` when the server has no such file.
        """
        if not id_dokumen:
            raise ValueError("id_dokumen is required")
        url = self._url("v1.download", id=requests.utils.quote(str(id_dokumen)))
        try:
            response = self._request("v1.download", "GET", url, self.timeouts.sign)
        except requests.exceptions.RequestException as exc:
            raise ServiceUnavailable(_transport_detail(exc)) from None
        if response.status_code == 404:
            return None
        if response.status_code == 200 and is_pdf(response.content):
            return response.content
        raise self._error_from(response)

    # ---------------------------------------------------------------- sign
    def request_sign_otp(self, nik, count):
        """Have BSrE send ``nik`` a one-time code for a sign call of ``count``
        files (v2 ``sign/get/totp``); return BSrE's message.

        The code goes to the official (registered e-mail or the BeSign app),
        never through us.  Not retried: each call sends a new code, and a
        repeated one would invalidate the code the official is already typing.
        """
        if self.api_version != "v2":
            raise RequestRejected("OTP hanya tersedia pada API v2")
        count = int(count)
        if count < 1:
            raise ValueError("count must be >= 1")
        try:
            response = self._request(
                "v2.totp",
                "POST",
                self._url("v2.totp"),
                self.timeouts.status,
                json={"nik": str(nik), "data": count},
            )
        except requests.exceptions.RequestException as exc:
            raise ServiceUnavailable(_transport_detail(exc)) from None
        if response.status_code != 200:
            raise self._error_from(response)
        body = self._json(response) or {}
        if body.get("success") is False:
            raise RequestRejected(body.get("message"), 200)
        return body.get("message") or ""

    def sign(self, pdfs, nik, passphrase=None, properties=None, totp=None):
        """Sign one PDF (``bytes``) or a batch (list of ``bytes``) for ``nik``.

        The secret is ``passphrase`` or, v2 only, ``totp`` — a one-time code
        from :meth:`request_sign_otp`, valid for one call with exactly the
        number of files it was requested for.  ``properties`` is one
        :class:`SignatureProperties` for every file or a list with one per file
        (default: invisible).  v2 sends the whole list in one JSON call; v1
        accepts exactly one file.  Returns a :class:`SignResult` whose ``files``
        are the signed PDFs in input order.  Never retried; see the module
        docstring for the error contract.
        """
        files = [bytes(pdfs)] if isinstance(pdfs, (bytes, bytearray)) else pdfs
        files = [bytes(f) for f in files]
        if not files:
            raise ValueError("nothing to sign")
        if passphrase and totp:
            raise ValueError("give a passphrase or a one-time code, not both")
        if totp and self.api_version != "v2":
            raise RequestRejected("OTP hanya tersedia pada API v2")
        if not (passphrase or totp):
            raise WrongPassphrase("passphrase kosong")
        for index, data in enumerate(files):
            if not is_pdf(data):
                raise InvalidDocument(f"file[{index}] bukan PDF")
        props = properties or SignatureProperties()
        props = list(props) if isinstance(props, (list, tuple)) else [props]
        if len(props) not in (1, len(files)):
            raise ValueError("properties: give one, or one per file")
        for prop in props:
            prop.validate()
        if self.api_version == "v1":
            if len(files) != 1:
                raise ValueError("API v1 signs exactly one file per call")
            return self._sign_v1(files[0], nik, passphrase, props[0])
        secret = ("passphrase", passphrase) if passphrase else ("totp", str(totp))
        return self._sign_v2(files, nik, secret, props)

    def _send_sign(self, name, url, secrets, **kwargs):
        """POST a sign request; classify transport failures (sent or not)."""
        try:
            return self._request(name, "POST", url, self.timeouts.sign, **kwargs)
        except requests.exceptions.RequestException as exc:
            detail = scrub(_transport_detail(exc), *secrets)
            if _not_sent(exc):
                _log.warning("BSrE %s not sent: %s", name, detail)
                raise ServiceUnavailable(detail) from None
            _log.warning("BSrE %s: OUTCOME UNKNOWN after sending: %s", name, detail)
            raise OutcomeUnknown(detail) from None

    def _sign_v2(self, files, nik, secret, props):
        """``secret`` is ``("passphrase" or "totp", value)``."""
        if any(p.visible and p.page == -1 and not p.tag for p in props):
            from .stamp import pdf_page_sizes  # only when "last page" is used

            per_file = props if len(props) == len(files) else props * len(files)
            body_props = [
                p.to_v2(page_count=len(pdf_page_sizes(data)))
                for p, data in zip(per_file, files, strict=True)
            ]
        else:
            body_props = [p.to_v2() for p in props]
        payload = {
            "nik": str(nik),
            secret[0]: secret[1],
            "signatureProperties": body_props,
            "file": [base64.b64encode(data).decode("ascii") for data in files],
        }
        _log.info("BSrE v2.sign: %d file(s) for NIK %s", len(files), mask_nik(nik))
        response = self._send_sign(
            "v2.sign", self._url("v2.sign"), (secret[1],), json=payload
        )
        del payload
        body = self._json(response)
        carried = body.get("file") if body else None
        status = response.status_code
        if carried is not None and (200 <= status < 300 or status == 500):
            signed = _decode_files(carried)
            if signed is None or len(signed) != len(files):
                raise OutcomeUnknown(
                    f"HTTP {status}: file hasil tidak lengkap atau bukan PDF", status
                )
            return SignResult(
                files=signed,
                http_status=status,
                time_ms=body.get("time"),
                duration_ms=response.duration_ms,
                warning=None if status == 200 else f"HTTP {status} dengan file",
            )
        if 200 <= status < 300:
            raise OutcomeUnknown(f"HTTP {status} tanpa file hasil", status)
        raise self._error_from(response, secrets=(secret[1],))

    def _sign_v1(self, data, nik, passphrase, prop):
        heights = None
        if prop.visible and not prop.tag:
            from .stamp import pdf_page_sizes

            heights = [h for _w, h in pdf_page_sizes(data)]
        fields, parts = prop.to_v1(heights)
        fields.update({"nik": str(nik), "passphrase": passphrase})
        parts["file"] = ("document.pdf", data, "application/pdf")
        _log.info("BSrE v1.sign: 1 file for NIK %s", mask_nik(nik))
        response = self._send_sign(
            "v1.sign", self._url("v1.sign"), (passphrase,), data=fields, files=parts
        )
        fields.clear()
        status = response.status_code
        id_dokumen = _header(response, "id_dokumen", "id-dokumen", "iddokumen")
        content = response.content
        if (200 <= status < 300 or status == 500) and content[:5] == b"%PDF-":
            if not is_pdf(content):
                raise OutcomeUnknown(f"HTTP {status}: PDF hasil terpotong", status)
            return SignResult(
                files=[content],
                http_status=status,
                id_dokumen=id_dokumen,
                duration_ms=response.duration_ms,
                warning=None if status == 200 else f"HTTP {status} dengan file",
            )
        if 200 <= status < 300:
            error = OutcomeUnknown(f"HTTP {status} tanpa PDF hasil", status)
            error.id_dokumen = id_dokumen
            raise error
        raise self._error_from(response, secrets=(passphrase,))


# ------------------------------------------------------------------ helpers
def _decode_files(items):
    if not isinstance(items, list):
        return None
    out = []
    for item in items:
        try:
            data = base64.b64decode(item or "", validate=True)
        except (ValueError, TypeError):
            return None
        if not is_pdf(data):
            return None
        out.append(data)
    return out


def _header(response, *names):
    for name in names:
        value = response.headers.get(name)
        if value:
            return value.strip()
    return None


def _retry_after(response):
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _causes(exc):
    """The exception and everything it wraps (requests → urllib3 → socket)."""
    seen = []
    stack = [exc]
    while stack:
        item = stack.pop()
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        stack.extend([item.__cause__, item.__context__, getattr(item, "reason", None)])
        stack.extend(a for a in getattr(item, "args", ()) if isinstance(a, Exception))
    return seen


def _not_sent(exc):
    """True when the failure provably happened before the request was sent."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    for item in _causes(exc):
        if isinstance(
            item,
            NewConnectionError
            | ConnectTimeoutError
            | ssl.SSLCertVerificationError
            | ConnectionRefusedError,
        ):
            return True
    return False


def _transport_detail(exc):
    """A short, body-free description of a transport failure."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "waktu koneksi habis"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return "waktu tunggu jawaban habis"
    if isinstance(exc, requests.exceptions.SSLError):
        return "gagal verifikasi TLS"
    names = [type(item).__name__ for item in _causes(exc)[1:]]
    kinds = ", ".join(dict.fromkeys(n for n in names if n != "MaxRetryError"))
    return f"koneksi gagal ({type(exc).__name__}{': ' + kinds if kinds else ''})"


def _normalise_verify(body):
    """Both verify shapes → :class:`VerifyResult` (docs/reference/bsre.md#verify)."""
    if "signatureInformations" in body or "conclusion" in body:
        infos = body.get("signatureInformations") or []
        signatures = [
            {
                "signer": info.get("signerName"),
                "signed_at": info.get("signatureDate"),
                "intact": bool(info.get("integrityValid")),
                "trusted": bool(info.get("certificateTrusted")),
            }
            for info in infos
        ]
        conclusion = body.get("conclusion")
        count = int(body.get("signatureCount") or len(infos))
        valid = conclusion == "VALID" and count > 0
    else:
        details = body.get("details") or []
        signatures = [
            {
                "signer": (d.get("info_signer") or {}).get("signer_name"),
                "signed_at": (d.get("signature_document") or {}).get("signed_in"),
                "intact": bool(
                    (d.get("signature_document") or {}).get("document_integrity")
                ),
                "trusted": bool(
                    (d.get("info_signer") or {}).get("cert_user_certified")
                ),
            }
            for d in details
        ]
        conclusion = body.get("summary")
        count = int(body.get("jumlah_signature") or len(details))
        valid = (
            count > 0
            and "NOT" not in str(conclusion or "").upper()
            and all(s["intact"] and s["trusted"] for s in signatures)
        )
    return VerifyResult(
        valid=valid,
        conclusion=conclusion,
        signature_count=count,
        signatures=signatures,
        raw=body,
    )


__all__ = [
    "BsreClient",
    "client_from_settings",
    "BsreError",
    "SignResult",
    "SignatureProperties",
    "Timeouts",
    "UserStatus",
    "VerifyResult",
    "is_pdf",
    "mask_nik",
]


def client_from_settings(settings, **overrides):
    """Build a client from sicantik_base's ``Settings`` object.

    In Odoo that is ``sicantik_base.lib.settings.SETTINGS`` (environment
    ``SICANTIK_BSRE_*`` over ``odoo.conf`` ``sicantik_bsre_*``); taking it as an
    argument keeps this package free of Odoo imports.  TLS verification stays on
    unless ``bsre_verify_tls`` is explicitly false; ``bsre_ca_bundle`` replaces
    the system CA store.
    """
    url = settings.url("bsre_url")
    if not url:
        raise ValueError("sicantik_bsre_url is not configured")
    verify = settings.bool("bsre_verify_tls", True)
    if verify and settings.get("bsre_ca_bundle"):
        verify = settings.get("bsre_ca_bundle")
    defaults = Timeouts()
    timeouts = Timeouts(
        connect=settings.seconds("bsre_timeout_connect", defaults.connect),
        status=settings.seconds("bsre_timeout_status", defaults.status),
        sign=settings.seconds("bsre_timeout_sign", defaults.sign),
        verify=settings.seconds("bsre_timeout_verify", defaults.verify),
    )
    kwargs = {
        "api_version": str(settings.get("bsre_api_version") or "v2").strip().lower(),
        "timeouts": timeouts,
        "verify": verify,
    }
    kwargs.update(overrides)
    return BsreClient(
        url, settings.get("bsre_user"), settings.get("bsre_password"), **kwargs
    )
