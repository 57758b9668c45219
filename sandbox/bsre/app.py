"""WSGI application of the BSrE sandbox: a double of the "Esign Client Service".

Design notes (why it looks like this):

* **One base URL, both API families** (docs/reference/bsre.md#endpoints): v1
  multipart endpoints under ``/api/sign``/``/api/user`` and v2 JSON endpoints
  under ``/api/v2``, all behind HTTP Basic. A wrong credential gets Spring
  Boot's default 401 body because that is what production sends
  (docs/reference/bsre.md#authentication) and clients must not choke on it.
* **Error shapes are copied, not normalised.** The real service mixes
  ``{"error", "status_code": 400}`` with ``{"error", "status_code": 2031}``,
  answers ``check/status`` with HTTP 200 and a *string* code but v1 status
  with an *int*, and returns a JSON content type with a non-JSON body for a
  bad certificate-chain id. Our client has to cope with all of that, so the
  sandbox reproduces it (docs/reference/bsre.md#error-bodies).
* **Faults are first-class** (``/_sandbox/faults``): latency, Spring 500s,
  "500 that still carries the file", and a connection dropped *after* the
  document was signed. The last one is the dangerous case for a client
  (outcome unknown, must not blindly re-sign), so the sandbox records every
  signature in ``/_sandbox/log`` with document hashes, letting tests prove a
  document was signed exactly once.
* **Secrets never leave the request.** Passphrases and TOTP codes are checked
  and dropped; the call log and the process log carry NIK/e-mail, hashes and
  outcomes only.
* **Threaded**: Werkzeug's threaded server gives one thread per connection;
  shared state sits behind one lock and signing runs outside it, so a batch of
  slow (latency-injected) requests overlaps instead of queueing.
"""

from __future__ import annotations

import base64
import binascii
import collections
import datetime as dt
import hmac
import json
import logging
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import pdfsample, signing
from . import totp as totp_mod
from .pki import SandboxPKI
from .shapes import cert_json, iso_ms, utcnow, v1_verify_body, v2_verify_body
from .users import NIK_RE, STATUSES, SealSubscriber, User, UserError, UserStore

_log = logging.getLogger("sandbox.bsre")

DEFAULT_API_USER = "sandbox"
DEFAULT_API_PASSWORD = "sandbox-secret"
MAX_CONTENT_LENGTH = 256 * 1024 * 1024
LOG_LIMIT = 10_000
DOCUMENT_LIMIT = 2_000
SIGN_TOTP_TTL = 300
SEAL_ACTIVATION_TTL = 24 * 3600
SEAL_TOTP_TTL = 300

SIGN_ENDPOINTS = {"v1.sign", "v2.sign", "seal.sign"}

# endpoint name -> (method, paths); names are what the fault knobs and the call
# log use, so tests don't depend on URL spelling.
API_ROUTES: dict[str, tuple[str, tuple[str, ...]]] = {
    "v1.sign": ("POST", ("/api/sign/pdf",)),
    "v1.download": ("GET", ("/api/sign/download/<doc_id>",)),
    "v1.verify": ("POST", ("/api/sign/verify",)),
    "v1.status": ("GET", ("/api/user/status/<ident>",)),
    "v2.sign": ("POST", ("/api/v2/sign/pdf",)),
    "v2.totp": ("POST", ("/api/v2/sign/get/totp",)),
    "v2.verify": ("POST", ("/api/v2/verify/pdf",)),
    "v2.status": ("POST", ("/api/v2/user/check/status",)),
    "v2.registration": (
        "POST",
        ("/api/v2/user/registration", "/api/v2/user/register"),
    ),
    "v2.chain": (
        "GET",
        (
            "/api/v2/user/certificate/chain/<path:ident>",
            "/api/user/certificate/chain/<path:ident>",
        ),
    ),
    "seal.activation": ("POST", ("/api/v2/seal/get/activation",)),
    "seal.revoke": ("POST", ("/api/v2/seal/revoke/activation",)),
    "seal.totp": ("POST", ("/api/v2/seal/get/totp",)),
    "seal.sign": ("POST", ("/api/v2/seal/pdf",)),
}
ENDPOINTS = frozenset(API_ROUTES)

ADMIN_ROUTES: list[tuple[str, str, tuple[str, ...], bool]] = [
    # (name, path, methods, public)
    ("admin.health", "/_sandbox/health", ("GET",), True),
    ("admin.ca", "/_sandbox/ca.pem", ("GET",), True),
    ("admin.chain_pem", "/_sandbox/chain.pem", ("GET",), True),
    ("admin.sample", "/_sandbox/sample.pdf", ("GET",), True),
    ("admin.faults", "/_sandbox/faults", ("GET", "POST", "DELETE"), False),
    ("admin.log", "/_sandbox/log", ("GET", "DELETE"), False),
    ("admin.users", "/_sandbox/users", ("GET", "POST"), False),
    ("admin.user_status", "/_sandbox/users/<ident>/status", ("POST",), False),
    ("admin.outbox", "/_sandbox/outbox", ("GET", "DELETE"), False),
    ("admin.document", "/_sandbox/documents/<doc_id>", ("GET",), False),
    ("admin.reset", "/_sandbox/reset", ("POST",), False),
]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _safe_filename(name: str | None) -> str:
    """ASCII-only file name for a header (Werkzeug headers must be latin-1)."""
    base = (name or "document.pdf").replace("\\", "/").rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9._ -]", "_", base) or "document.pdf"


def _json(obj, status: int = 200, headers: dict | None = None) -> Response:
    return Response(
        json.dumps(obj, ensure_ascii=False),
        status=status,
        mimetype="application/json",
        headers=headers,
    )


def spring_error(status: int, path: str) -> Response:
    """Spring Boot's default error body, as the Esign Client sends it."""
    phrase = {
        401: "Unauthorized",
        404: "Not Found",
        405: "Method Not Allowed",
        500: "Internal Server Error",
    }.get(status, "Error")
    body = {
        "timestamp": iso_ms(utcnow()),
        "status": status,
        "error": phrase,
        "path": path,
    }
    headers = {"WWW-Authenticate": 'Basic realm="Realm"'} if status == 401 else None
    return _json(body, status, headers)


class ApiError(Exception):
    """A business error answered as ``{"error", "status_code"}``."""

    def __init__(self, message: str, status_code: int = 400, http_status: int = 400):
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.http_status = http_status

    def response(self) -> Response:
        return _json(
            {"error": self.message, "status_code": self.status_code},
            self.http_status,
        )


# ---------------------------------------------------------------------------
# fault knobs


class Faults:
    """Runtime-adjustable fault injection, shared by all request threads.

    Counters (``fail_next`` …) are "the next N calls of that endpoint"; ``*``
    matches any endpoint and is used only when no endpoint-specific counter is
    left. Latency for an endpoint overrides the global ``*`` latency.
    """

    COUNTERS = ("fail_next", "fail_with_file_next", "drop_next")

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.latency_ms: dict[str, int] = {"*": 0}
            self.counters: dict[str, dict[str, int]] = {k: {} for k in self.COUNTERS}
            self.wrong_passphrase_status = 400

    @staticmethod
    def _check_endpoint(name: str) -> str:
        if name != "*" and name not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {name!r}; one of {sorted(ENDPOINTS)}")
        return name

    def update(self, data: dict) -> None:
        """Merge a knob document (see README); raises ValueError when invalid."""
        if not isinstance(data, dict):
            raise ValueError("faults body must be a JSON object")
        unknown = set(data) - {"latency_ms", "wrong_passphrase_status", *self.COUNTERS}
        if unknown:
            raise ValueError(f"unknown knob(s): {sorted(unknown)}")
        with self._lock:
            if "latency_ms" in data:
                lat = data["latency_ms"]
                if isinstance(lat, (int, float)) and not isinstance(lat, bool):
                    lat = {"*": lat}
                if not isinstance(lat, dict):
                    raise ValueError("latency_ms must be a number or an object")
                for name, ms in lat.items():
                    self.latency_ms[self._check_endpoint(name)] = max(0, int(ms))
            for knob in self.COUNTERS:
                if knob not in data:
                    continue
                spec = data[knob]
                if not isinstance(spec, dict):
                    raise ValueError(f"{knob} must be an object endpoint -> count")
                for name, count in spec.items():
                    count = int(count)
                    if count > 0:
                        self.counters[knob][self._check_endpoint(name)] = count
                    else:
                        self.counters[knob].pop(name, None)
            if "wrong_passphrase_status" in data:
                code = int(data["wrong_passphrase_status"])
                if code not in (400, 500):
                    raise ValueError("wrong_passphrase_status must be 400 or 500")
                self.wrong_passphrase_status = code

    def latency_for(self, endpoint: str) -> int:
        with self._lock:
            return self.latency_ms.get(endpoint, self.latency_ms.get("*", 0))

    def take(self, knob: str, endpoint: str) -> bool:
        """Consume one unit of ``knob`` for ``endpoint`` if any is armed."""
        with self._lock:
            table = self.counters[knob]
            for key in (endpoint, "*"):
                left = table.get(key, 0)
                if left > 0:
                    if left == 1:
                        del table[key]
                    else:
                        table[key] = left - 1
                    return True
        return False

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "latency_ms": dict(self.latency_ms),
                **{k: dict(v) for k, v in self.counters.items()},
                "wrong_passphrase_status": self.wrong_passphrase_status,
            }


# ---------------------------------------------------------------------------
# per-call record


@dataclass
class Call:
    """What ``/_sandbox/log`` shows about one request. Never holds secrets."""

    endpoint: str
    method: str
    path: str
    started: float = field(default_factory=time.monotonic)
    time: str = field(default_factory=lambda: iso_ms(utcnow()))
    nik: str | None = None
    email: str | None = None
    id_subscriber: str | None = None
    documents: list[dict] = field(default_factory=list)
    outcome: str = "ok"
    error: str | None = None
    status_code: int | None = None
    http_status: int | None = None
    delivered: bool = True
    fault: str | None = None
    id_dokumen: str | None = None

    def doc_in(self, data: bytes, name: str | None = None) -> dict:
        entry = {
            "index": len(self.documents),
            "name": name,
            "size_in": len(data),
            "sha256_in": signing.sha256_hex(data),
            "sha256_out": None,
            "doc_id": None,
            "cpu_ms": None,
        }
        self.documents.append(entry)
        return entry

    def as_dict(self, seq: int) -> dict:
        return {
            "seq": seq,
            "time": self.time,
            "endpoint": self.endpoint,
            "method": self.method,
            "path": self.path,
            "nik": self.nik,
            "email": self.email,
            "id_subscriber": self.id_subscriber,
            "outcome": self.outcome,
            "signed": self.outcome == "signed",
            "delivered": self.delivered,
            "http_status": self.http_status,
            "status_code": self.status_code,
            "error": self.error,
            "fault": self.fault,
            "id_dokumen": self.id_dokumen,
            "documents": self.documents,
            "duration_ms": int((time.monotonic() - self.started) * 1000),
        }


# ---------------------------------------------------------------------------
# the application


class SandboxApp:
    """The WSGI callable. Build it with :func:`create_app`."""

    def __init__(
        self,
        state_dir: Path | str,
        api_user: str = DEFAULT_API_USER,
        api_password: str = DEFAULT_API_PASSWORD,
        users_path: Path | str | None = None,
        faults: Faults | None = None,
        sign_processes: int = 0,
    ):
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.api_user = api_user
        self.api_password = api_password
        self.users = UserStore(users_path) if users_path else UserStore()
        self.pki = SandboxPKI(self.state_dir)
        # 0: sign in the request thread (one core, ``signing._crypto_lock``);
        # N: in N worker processes (``signing.SigningPool``).
        self.signing_pool = (
            signing.SigningPool(self.state_dir, sign_processes)
            if sign_processes > 0
            else None
        )
        self.faults = faults or Faults()
        self._lock = threading.RLock()
        self._reset_runtime()
        self.url_map = Map(strict_slashes=False)
        for name, (method, paths) in API_ROUTES.items():
            for path in paths:
                self.url_map.add(Rule(path, endpoint=name, methods=[method]))
        self._public = set()
        for name, path, methods, public in ADMIN_ROUTES:
            self.url_map.add(Rule(path, endpoint=name, methods=list(methods)))
            if public:
                self._public.add(name)

    def _reset_runtime(self) -> None:
        with self._lock:
            self._log: collections.deque = collections.deque(maxlen=LOG_LIMIT)
            self._seq = 0
            self._downloads: dict[str, bytes] = {}
            self._documents: collections.OrderedDict[str, bytes] = (
                collections.OrderedDict()
            )
            self._outbox: list[dict] = []
            self._sign_totp: dict[str, dict[str, dict]] = {}
            self._used_totp: set[tuple[str, int]] = set()
            self._seal: dict[str, dict] = {}

    def prepare_identities(self) -> None:
        """Create every seeded certificate now, so the first sign call is fast."""
        for user in self.users.all_users():
            if STATUSES[user.status].has_certificate:
                self._user_identity(user)
        for sub in self.users.all_subscribers():
            self._seal_identity(sub)

    # -- WSGI plumbing ------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        request.max_content_length = MAX_CONTENT_LENGTH
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except NotFound:
            return spring_error(404, request.path)
        except MethodNotAllowed:
            return spring_error(405, request.path)
        except HTTPException as exc:  # e.g. redirects from strict_slashes
            return exc.get_response(request.environ)  # type: ignore[return-value]
        if endpoint.startswith("admin."):
            if endpoint not in self._public and not self._authorized(request):
                return spring_error(401, request.path)
            try:
                return getattr(self, "_" + endpoint.replace(".", "_"))(request, **args)
            except (ValueError, TypeError) as exc:
                return _json({"error": str(exc)}, 400)
        return self._api_call(request, endpoint, args)

    def _authorized(self, request: Request) -> bool:
        auth = request.authorization
        if auth is None or auth.type != "basic":
            return False
        user_ok = hmac.compare_digest(
            (auth.username or "").encode(), self.api_user.encode()
        )
        pass_ok = hmac.compare_digest(
            (auth.password or "").encode(), self.api_password.encode()
        )
        return user_ok and pass_ok

    def _api_call(self, request: Request, endpoint: str, args: dict) -> Response:
        call = Call(endpoint=endpoint, method=request.method, path=request.path)
        if not self._authorized(request):
            call.outcome, call.http_status = "unauthorized", 401
            self._record(call)
            return spring_error(401, request.path)
        # Read the whole body first: every fault below happens *after* the
        # request was fully received, as on a real server.
        try:
            request.get_data(cache=True)
        except HTTPException as exc:
            call.outcome, call.http_status = "error", exc.code
            self._record(call)
            return exc.get_response(request.environ)  # type: ignore[return-value]
        delay = self.faults.latency_for(endpoint)
        if delay:
            time.sleep(delay / 1000.0)
        if self.faults.take("fail_next", endpoint):
            call.outcome, call.fault, call.http_status = "fault_500", "fail_next", 500
            self._record(call)
            return spring_error(500, request.path)
        handler = getattr(self, "_" + endpoint.replace(".", "_"))
        try:
            response = handler(request, call, **args)
        except ApiError as exc:
            call.outcome = "rejected"
            call.error, call.status_code = exc.message, exc.status_code
            response = exc.response()
        except Exception:  # an unexpected bug: answer like Spring, keep serving
            _log.exception("unhandled error in %s", endpoint)
            call.outcome = "error"
            response = spring_error(500, request.path)
        if self.faults.take("drop_next", endpoint):
            call.fault, call.delivered, call.http_status = "drop_next", False, None
            self._record(call)
            _log.info(
                "fault drop_next: closing %s %s without a response (outcome %s)",
                request.method,
                request.path,
                call.outcome,
            )
            self._drop(request)
            return Response(b"", status=500)
        if (
            endpoint in SIGN_ENDPOINTS
            and call.outcome == "signed"
            and self.faults.take("fail_with_file_next", endpoint)
        ):
            call.fault = "fail_with_file_next"
            response = self._with_500(response, request.path)
        call.http_status = response.status_code
        self._record(call)
        return response

    @staticmethod
    def _with_500(response: Response, path: str) -> Response:
        """Same payload, HTTP 500: the "500 that still carries the file" case."""
        if response.mimetype == "application/json":
            body = json.loads(response.get_data())
            body = {
                "timestamp": iso_ms(utcnow()),
                "status": 500,
                "error": "Internal Server Error",
                "path": path,
                **body,
            }
            return _json(body, 500)
        response.status_code = 500
        return response

    @staticmethod
    def _drop(request: Request) -> None:
        """Close the client connection without sending a status line.

        ``shutdown`` (not ``close``) so Werkzeug's later write fails with a
        broken pipe it already treats as "client went away".
        """
        sock = request.environ.get("werkzeug.socket")
        if sock is None:
            raise RuntimeError("drop fault needs the Werkzeug development server")
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _record(self, call: Call) -> None:
        with self._lock:
            self._seq += 1
            self._log.append(call.as_dict(self._seq))

    def _store_document(self, data: bytes) -> str:
        doc_id = uuid.uuid4().hex
        with self._lock:
            self._documents[doc_id] = data
            while len(self._documents) > DOCUMENT_LIMIT:
                self._documents.popitem(last=False)
        return doc_id

    # -- shared checks ------------------------------------------------------

    def _user_identity(self, user: User):
        return self.pki.signer_identity(
            user.key,
            user.name,
            user.organization,
            user.email,
            expired=user.status == "EXPIRED",
        )

    def _seal_identity(self, sub: SealSubscriber):
        return self.pki.signer_identity(sub.key, sub.name, sub.organization, sub.email)

    def _signing_user(self, nik: str | None, email: str | None) -> User:
        """The account to sign with, or the ``Proses signing gagal`` error."""
        user = self.users.find(nik=nik, email=email)
        status = user.status if user else "NOT_REGISTERED"
        if status != "ISSUE":
            info = STATUSES[status]
            raise ApiError(f"Proses signing gagal : {info.sign_error} {info.v2_code}")
        assert user is not None
        return user

    def _check_passphrase(self, user: User, passphrase: str) -> None:
        if not user.check_passphrase(passphrase):
            raise ApiError(
                "Passphrase anda salah",
                status_code=2031,
                http_status=self.faults.wrong_passphrase_status,
            )

    def _check_sign_totp(self, user: User, code: str, n_files: int) -> None:
        """Accept a code sent by ``sign/get/totp`` or one from an authenticator.

        A mailed code is bound to the file count it was requested for (the
        ``data`` field, docs/reference/bsre.md#otp); either kind is single-use.
        """
        code = str(code).strip()
        now = time.time()
        with self._lock:
            pending = self._sign_totp.get(user.key, {})
            for stale in [c for c, p in pending.items() if p["expires"] < now]:
                del pending[stale]
            issued = pending.pop(code, None)
            if issued is not None:
                self._used_totp.add((user.key, issued["counter"]))
                if issued["count"] != n_files:
                    raise ApiError(
                        f"Proses signing gagal : jumlah dokumen ({n_files}) tidak "
                        f"sesuai dengan TOTP (data={issued['count']})"
                    )
                return
            counter = (
                totp_mod.verify_totp(user.totp_secret, code)
                if user.totp_secret
                else None
            )
            if counter is None or (user.key, counter) in self._used_totp:
                raise ApiError("TOTP anda salah atau sudah kadaluarsa", 2032)
            self._used_totp.add((user.key, counter))

    @staticmethod
    def _json_body(request: Request) -> dict:
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, dict):
            raise ApiError("Request body harus berupa JSON object")
        return body

    @staticmethod
    def _b64(value, what: str) -> bytes:
        if not isinstance(value, str) or not value.strip():
            raise ApiError(f"Proses signing gagal : {what} kosong")
        try:
            return base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(
                f"Proses signing gagal : {what} bukan base64 yang valid "
                "(kirim base64 polos tanpa prefix data:)"
            ) from None

    @staticmethod
    def _number(value, name: str) -> float:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ApiError(
                f"Proses signing gagal : {name} harus berupa angka"
            ) from None

    # -- v1 ---------------------------------------------------------------------

    def _v1_sign(self, request: Request, call: Call) -> Response:
        form, files = request.form, request.files
        upload = files.get("file")
        if upload is None:
            raise ApiError("Proses signing gagal : parameter file wajib diisi")
        data = upload.read()
        doc = call.doc_in(data, upload.filename)
        call.nik = (form.get("nik") or "").strip() or None
        passphrase = form.get("passphrase")
        tampilan = (form.get("tampilan") or "").strip().lower()
        if not call.nik:
            raise ApiError("Proses signing gagal : parameter nik wajib diisi")
        if not passphrase:
            raise ApiError("Proses signing gagal : parameter passphrase wajib diisi")
        if tampilan not in ("visible", "invisible"):
            raise ApiError(
                "Proses signing gagal : tampilan harus 'visible' atau 'invisible'"
            )
        user = self._signing_user(call.nik, None)
        self._check_passphrase(user, passphrase)
        appearance = self._v1_appearance(form, files) if tampilan == "visible" else None
        ((signed, cpu),) = self._sign_all(
            [
                (
                    data,
                    {
                        "reason": form.get("reason"),
                        "location": form.get("location"),
                        "contact_info": None,
                        "appearance": appearance,
                    },
                )
            ],
            self._user_identity(user),
        )
        doc_id = self._store_document(signed)
        with self._lock:
            self._downloads[doc_id] = signed
        doc.update(
            sha256_out=signing.sha256_hex(signed), doc_id=doc_id, cpu_ms=_ms(cpu)
        )
        call.outcome, call.id_dokumen = "signed", doc_id
        return Response(
            signed,
            mimetype="application/pdf",
            headers={
                "id_dokumen": doc_id,
                "Content-Disposition": (
                    f'attachment; filename="{_safe_filename(upload.filename)}"'
                ),
            },
        )

    def _v1_appearance(self, form, files) -> signing.Appearance:
        image_flag = (form.get("image") or "").strip().lower()
        if image_flag == "true":
            specimen = files.get("imageTTD")
            if specimen is None:
                raise ApiError("Proses signing gagal : imageTTD wajib diisi")
            try:
                img = signing.load_specimen(specimen.read())
            except signing.SigningInputError as exc:
                raise ApiError(f"Proses signing gagal : {exc}") from None
        elif image_flag == "false":
            link = (form.get("linkQR") or "").strip()
            if not link:
                raise ApiError("Proses signing gagal : linkQR wajib diisi")
            img = signing.render_qr(link)
        else:
            raise ApiError(
                "Proses signing gagal : image harus 'true' atau 'false' untuk "
                "tampilan visible"
            )
        width = self._number(form.get("width"), "width")
        height = self._number(form.get("height"), "height")
        tag = form.get("tag_koordinat")
        page: int | str | None = None
        if form.get("page"):
            try:
                page = int(form["page"])
            except ValueError:
                raise ApiError("Proses signing gagal : page harus angka") from None
        elif form.get("halaman"):
            halaman = form["halaman"].strip().lower()
            if halaman not in ("pertama", "terakhir"):
                raise ApiError(
                    "Proses signing gagal : halaman harus 'pertama' atau 'terakhir'"
                )
            page = "first" if halaman == "pertama" else "last"
        if tag:
            if len(tag) != 1:
                raise ApiError(
                    "Proses signing gagal : tag_koordinat harus tepat 1 karakter"
                )
            return signing.Appearance(img, width, height, page=page, tag=tag)
        if page is None:
            raise ApiError(
                "Proses signing gagal : isi page/halaman dan xAxis/yAxis, "
                "atau tag_koordinat"
            )
        return signing.Appearance(
            img,
            width,
            height,
            page=page,
            x=self._number(form.get("xAxis"), "xAxis"),
            y=self._number(form.get("yAxis"), "yAxis"),
            origin="bottom-left",
        )

    def _sign_all(self, jobs: list[tuple[bytes, dict]], identity) -> list[tuple]:
        """Sign every ``(data, kwargs)``; the first failure raises.

        With a signing pool the documents of one call are signed in parallel;
        after a failure the ones not started yet are cancelled and the results
        of the others are discarded (the call signs all or nothing).
        """
        if self.signing_pool is None:
            return [
                self._sign_one(
                    i,
                    len(jobs),
                    lambda d=data, k=kw: signing.sign_pdf_timed(
                        d, identity, self.pki, **k
                    ),
                )
                for i, (data, kw) in enumerate(jobs)
            ]
        futures = [self.signing_pool.submit(data, identity, **kw) for data, kw in jobs]
        try:
            return [
                self._sign_one(i, len(jobs), future.result)
                for i, future in enumerate(futures)
            ]
        finally:
            for future in futures:
                future.cancel()

    @staticmethod
    def _sign_one(i: int, n: int, run) -> tuple[bytes, float]:
        try:
            return run()
        except signing.SigningInputError as exc:
            suffix = f" (file[{i}])" if n > 1 else ""
            raise ApiError(f"Proses signing gagal : {exc}{suffix}") from None

    def _v1_download(self, request: Request, call: Call, doc_id: str) -> Response:
        with self._lock:
            data = self._downloads.pop(doc_id, None)
        call.id_dokumen = doc_id
        if data is None:
            call.outcome, call.http_status = "not_found", 404
            call.status_code = 4044
            return _json(
                {
                    "status_code": 4044,
                    "error": "File tidak tersedia, pastikan bahwa dokumen belum "
                    "di download",
                },
                404,
            )
        call.documents.append(
            {"index": 0, "sha256_out": signing.sha256_hex(data), "doc_id": doc_id}
        )
        return Response(
            data,
            mimetype="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{doc_id}.pdf"'},
        )

    def _v1_verify(self, request: Request, call: Call) -> Response:
        upload = request.files.get("signed_file")
        if upload is None:
            raise ApiError(
                "Proses verifikasi gagal : parameter signed_file wajib diisi"
            )
        data = upload.read()
        call.doc_in(data, upload.filename)
        try:
            reports = signing.verify_pdf(data, self.pki)
        except signing.SigningInputError as exc:
            raise ApiError(f"Proses verifikasi gagal : {exc}") from None
        name = (upload.filename or "document.pdf").rsplit("/", 1)[-1]
        return _json(v1_verify_body(name, reports))

    def _v1_status(self, request: Request, call: Call, ident: str) -> Response:
        call.nik = ident
        user = self.users.find(nik=ident)
        status = user.status if user else "NOT_REGISTERED"
        info = STATUSES[status]
        return _json(
            {"status_code": info.v1_code, "status": status, "message": info.message}
        )

    # -- v2 ---------------------------------------------------------------------

    def _v2_identity(self, body: dict, call: Call) -> tuple[str | None, str | None]:
        nik, email = body.get("nik") or None, body.get("email") or None
        call.nik, call.email = nik, email
        if (nik is None) == (email is None):
            raise ApiError("Proses signing gagal : isi salah satu dari nik atau email")
        return nik, email

    def _v2_documents(self, body: dict, call: Call) -> list[tuple[bytes, dict]]:
        """Decode ``file[]`` and pair each with its signature properties."""
        files = body.get("file")
        props = body.get("signatureProperties")
        if not isinstance(files, list) or not files:
            raise ApiError(
                "Proses signing gagal : file wajib berupa array tidak kosong"
            )
        if not isinstance(props, list) or len(props) not in (1, len(files)):
            raise ApiError(
                "Proses signing gagal : jumlah signatureProperties harus 1 atau "
                f"sama dengan jumlah file ({len(files)})"
            )
        if not all(isinstance(p, dict) for p in props):
            raise ApiError("Proses signing gagal : signatureProperties harus object")
        docs = []
        for i, item in enumerate(files):
            data = self._b64(item, f"file[{i}]")
            call.doc_in(data)
            docs.append((data, props[i] if len(props) > 1 else props[0]))
        return docs

    def _v2_appearance(self, prop: dict, i: int) -> signing.Appearance | None:
        tampilan = str(prop.get("tampilan") or "INVISIBLE").upper()
        if tampilan == "INVISIBLE":
            return None
        if tampilan != "VISIBLE":
            raise ApiError(
                "Proses signing gagal : tampilan harus VISIBLE atau INVISIBLE"
            )
        raw = self._b64(
            prop.get("imageBase64"), f"signatureProperties[{i}].imageBase64"
        )
        try:
            img = signing.load_specimen(raw)
        except signing.SigningInputError as exc:
            raise ApiError(f"Proses signing gagal : {exc}") from None
        width = self._number(prop.get("width"), "width")
        height = self._number(prop.get("height"), "height")
        tag = prop.get("tag_koordinat")
        page = prop.get("page")
        if page is not None:
            try:
                page = int(page)
            except (TypeError, ValueError):
                raise ApiError("Proses signing gagal : page harus angka") from None
        if tag:
            if len(str(tag)) != 1:
                raise ApiError(
                    "Proses signing gagal : tag_koordinat harus tepat 1 karakter"
                )
            return signing.Appearance(img, width, height, page=page, tag=str(tag))
        if page is None:
            raise ApiError(
                "Proses signing gagal : isi page, originX, originY atau tag_koordinat"
            )
        return signing.Appearance(
            img,
            width,
            height,
            page=page,
            x=self._number(prop.get("originX"), "originX"),
            y=self._number(prop.get("originY"), "originY"),
            origin="top-left",
        )

    def _sign_batch(self, docs, identity, call: Call) -> list[bytes]:
        """Sign every document or none (docs/reference/bsre.md#batches)."""
        plan = [
            (data, prop, self._v2_appearance(prop, i))
            for i, (data, prop) in enumerate(docs)
        ]
        results = self._sign_all(
            [
                (
                    data,
                    {
                        "reason": prop.get("reason"),
                        "location": prop.get("location"),
                        "contact_info": prop.get("contactInfo"),
                        "appearance": appearance,
                        "pdf_password": prop.get("pdfPassword"),
                    },
                )
                for data, prop, appearance in plan
            ],
            identity,
        )
        out = [signed for signed, _cpu in results]
        for entry, (signed, cpu) in zip(call.documents, results, strict=True):
            entry.update(
                sha256_out=signing.sha256_hex(signed),
                doc_id=self._store_document(signed),
                cpu_ms=_ms(cpu),
            )
        call.outcome = "signed"
        return out

    def _v2_sign(self, request: Request, call: Call) -> Response:
        started = time.monotonic()
        body = self._json_body(request)
        nik, email = self._v2_identity(body, call)
        passphrase, code = body.get("passphrase"), body.get("totp")
        if (passphrase is None) == (code is None):
            raise ApiError(
                "Proses signing gagal : isi salah satu dari passphrase atau totp"
            )
        docs = self._v2_documents(body, call)
        user = self._signing_user(nik, email)
        if passphrase is not None:
            self._check_passphrase(user, str(passphrase))
        else:
            self._check_sign_totp(user, code, len(docs))
        signed = self._sign_batch(docs, self._user_identity(user), call)
        return _json(
            {
                "time": int((time.monotonic() - started) * 1000),
                "file": [base64.b64encode(s).decode("ascii") for s in signed],
            }
        )

    def _v2_totp(self, request: Request, call: Call) -> Response:
        body = self._json_body(request)
        nik, email = self._v2_identity(body, call)
        try:
            count = int(body.get("data", 1))
        except (TypeError, ValueError):
            raise ApiError("data harus berupa jumlah dokumen (angka)") from None
        if count < 1:
            raise ApiError("data harus berupa jumlah dokumen (angka) >= 1")
        user = self._signing_user(nik, email)
        if not user.totp_secret:
            raise ApiError("User belum mengaktifkan TOTP")
        now = time.time()
        code = totp_mod.totp(user.totp_secret, now)
        expires = now + SIGN_TOTP_TTL
        with self._lock:
            self._sign_totp.setdefault(user.key, {})[code] = {
                "count": count,
                "expires": expires,
                "counter": int(now // totp_mod.DEFAULT_STEP),
            }
            self._outbox.append(
                {
                    "time": iso_ms(utcnow()),
                    "purpose": "sign",
                    "to": user.email,
                    "nik": user.nik,
                    "totp": code,
                    "data": count,
                    "expires": iso_ms(
                        dt.datetime.fromtimestamp(expires, dt.timezone.utc)
                    ),
                }
            )
        return _json(
            {
                "success": True,
                "message": "TOTP berhasil dikirim ke email terdaftar",
                "data": None,
            }
        )

    def _v2_verify(self, request: Request, call: Call) -> Response:
        body = request.get_json(force=True, silent=True)
        raw = body.get("file") if isinstance(body, dict) else None
        try:
            data = base64.b64decode((raw or "").strip(), validate=True)
        except (binascii.Error, ValueError, AttributeError):
            data = b""
        call.doc_in(data)
        if not signing.is_pdf(data):
            call.outcome, call.error = "error", "file kosong atau bukan PDF"
            return spring_error(500, request.path)
        try:
            reports = signing.verify_pdf(data, self.pki, body.get("password"))
        except signing.SigningInputError as exc:
            call.outcome, call.error = "error", str(exc)
            return spring_error(500, request.path)
        return _json(v2_verify_body(reports))

    def _v2_status(self, request: Request, call: Call) -> Response:
        body = request.get_json(force=True, silent=True)
        body = body if isinstance(body, dict) else {}
        nik, email = body.get("nik"), body.get("email")
        call.nik = nik if isinstance(nik, str) else None
        call.email = email if isinstance(email, str) else None
        user = None
        if call.nik and NIK_RE.match(call.nik):
            user = self.users.find(nik=call.nik)
        elif call.email and "@" in call.email:
            user = self.users.find(email=call.email)
        status = user.status if user else "NOT_REGISTERED"
        info = STATUSES[status]
        return _json(
            {"status_code": info.v2_code, "message": info.message, "status": status}
        )

    def _v2_registration(self, request: Request, call: Call) -> Response:
        body = self._json_body(request)
        nama, email, nik = body.get("nama"), body.get("email"), body.get("nik")
        call.email, call.nik = email, nik
        if not nama or not email or "@" not in str(email):
            raise ApiError("nama dan email wajib diisi")
        if self.users.find(email=email) or (nik and self.users.find(nik=nik)):
            raise ApiError("User sudah terdaftar")
        try:
            user = self.users.add(
                {
                    "nik": nik,
                    "email": email,
                    "name": nama,
                    "status": "WAITING_FOR_VERIFICATION",
                }
            )
        except UserError as exc:
            raise ApiError(str(exc)) from None
        return _json(
            {
                "success": True,
                "message": "Pendaftaran berhasil, menunggu verifikasi",
                "data": {"email": user.email, "status": user.status},
            }
        )

    def _v2_chain(self, request: Request, call: Call, ident: str) -> Response:
        sub = self.users.subscriber(ident)
        identity = None
        if sub is not None:
            call.id_subscriber = ident
            identity = self._seal_identity(sub)
        else:
            user = self.users.find_any(ident)
            if "@" in ident:
                call.email = ident
            else:
                call.nik = ident
            if user is not None and STATUSES[user.status].has_certificate:
                identity = self._user_identity(user)
        if identity is None:
            # The live service answers a bad id with a JSON content type but a
            # body that is not JSON; clients must survive it
            # (docs/reference/bsre.md#sandbox-only-endpoints).
            call.outcome = "rejected"
            return Response(
                "Sertifikat tidak ditemukan untuk id " + ident,
                status=400,
                mimetype="application/json",
            )
        chain = [
            identity.asn1_cert,
            self.pki.asn1("intermediate")[0],
            self.pki.asn1("root")[0],
        ]
        return _json({"success": True, "data": [cert_json(c) for c in chain]})

    # -- e-seal --------------------------------------------------------------

    def _subscriber(self, body: dict, call: Call) -> SealSubscriber:
        ident = body.get("idSubscriber")
        call.id_subscriber = str(ident) if ident else None
        sub = self.users.subscriber(ident)
        if sub is None:
            raise ApiError("idSubscriber tidak terdaftar", 2011)
        return sub

    def _live_activation(self, sub: SealSubscriber) -> dict | None:
        act = self._seal.get(sub.id_subscriber)
        if act is not None and act["expires"] < time.time():
            del self._seal[sub.id_subscriber]
            return None
        return act

    def _seal_activation(self, request: Request, call: Call) -> Response:
        body = self._json_body(request)
        sub = self._subscriber(body, call)
        code = body.get("totp")
        with self._lock:
            act = self._live_activation(sub)
            if code is None:
                if act is None:
                    now = time.time()
                    secret = totp_mod.new_secret()
                    act = {
                        "secret": secret,
                        "code": totp_mod.totp(secret, now),
                        "expires": now + SEAL_ACTIVATION_TTL,
                        "pending": {},
                    }
                    self._seal[sub.id_subscriber] = act
                self._outbox.append(
                    {
                        "time": iso_ms(utcnow()),
                        "purpose": "seal_activation",
                        "to": sub.email,
                        "id_subscriber": sub.id_subscriber,
                        "totp": act["code"],
                        "expires": iso_ms(
                            dt.datetime.fromtimestamp(act["expires"], dt.timezone.utc)
                        ),
                    }
                )
                return _json(
                    {
                        "success": True,
                        "message": "TOTP Aktivasi berhasil dikirim",
                        "data": None,
                    }
                )
            if act is None or not hmac.compare_digest(str(code), act["code"]):
                raise ApiError("TOTP Aktivasi tidak valid atau sudah kadaluarsa", 2032)
            expires = dt.datetime.fromtimestamp(act["expires"], dt.timezone.utc)
            return _json(
                {
                    "success": True,
                    "message": None,
                    "data": {
                        "message": "TOTP Aktivasi masih berlaku",
                        "totp": act["code"],
                        "expires": iso_ms(expires).replace("+00:00", "+0000"),
                        "result": True,
                    },
                }
            )

    def _seal_revoke(self, request: Request, call: Call) -> Response:
        body = self._json_body(request)
        sub = self._subscriber(body, call)
        with self._lock:
            act = self._live_activation(sub)
            code = str(body.get("totp") or "")
            if act is None or not hmac.compare_digest(code, act["code"]):
                raise ApiError("TOTP Aktivasi tidak valid atau sudah kadaluarsa", 2032)
            del self._seal[sub.id_subscriber]
        return _json(
            {"success": True, "message": "TOTP Aktivasi berhasil dicabut", "data": None}
        )

    def _seal_totp(self, request: Request, call: Call) -> Response:
        body = self._json_body(request)
        sub = self._subscriber(body, call)
        try:
            count = int(body.get("data", 1))
        except (TypeError, ValueError):
            raise ApiError("data harus berupa jumlah dokumen (angka)") from None
        with self._lock:
            act = self._live_activation(sub)
            code = str(body.get("totp") or "")
            if act is None or not hmac.compare_digest(code, act["code"]):
                raise ApiError("TOTP Aktivasi tidak valid atau sudah kadaluarsa", 2032)
            now = time.time()
            # RFC 6238 over the activation secret. Two requests in the same
            # 30 s step get the same code; the latest file count wins, as a
            # TOTP server would behave.
            seal_code = totp_mod.totp(act["secret"], now)
            expires = now + SEAL_TOTP_TTL
            act["pending"][seal_code] = {"count": count, "expires": expires}
        return _json(
            {
                "message": "TOTP berhasil dibuat",
                "totp": seal_code,
                "expires": iso_ms(dt.datetime.fromtimestamp(expires, dt.timezone.utc)),
                "result": True,
            }
        )

    def _seal_sign(self, request: Request, call: Call) -> Response:
        started = time.monotonic()
        body = self._json_body(request)
        sub = self._subscriber(body, call)
        docs = self._v2_documents(body, call)
        code = str(body.get("totp") or "")
        with self._lock:
            act = self._live_activation(sub)
            pending = act["pending"].pop(code, None) if act else None
        if pending is None or pending["expires"] < time.time():
            raise ApiError("TOTP segel tidak valid atau sudah kadaluarsa", 2032)
        if pending["count"] != len(docs):
            raise ApiError(
                f"Proses segel gagal : jumlah dokumen ({len(docs)}) tidak sesuai "
                f"dengan TOTP (data={pending['count']})"
            )
        signed = self._sign_batch(docs, self._seal_identity(sub), call)
        return _json(
            {
                "time": int((time.monotonic() - started) * 1000),
                "file": [base64.b64encode(s).decode("ascii") for s in signed],
            }
        )

    # -- admin ---------------------------------------------------------------

    def _admin_health(self, request: Request) -> Response:
        processes = self.signing_pool.processes if self.signing_pool else 0
        return _json(
            {"status": "ok", "service": "bsre-sandbox", "sign_processes": processes}
        )

    def _admin_ca(self, request: Request) -> Response:
        return Response(self.pki.root_pem, mimetype="application/x-pem-file")

    def _admin_chain_pem(self, request: Request) -> Response:
        return Response(self.pki.chain_pem, mimetype="application/x-pem-file")

    def _admin_sample(self, request: Request) -> Response:
        pages = max(1, min(int(request.args.get("pages", 1)), 50))
        text = request.args.get("text", "Dokumen contoh SICANTIK")
        body = [[text, f"Halaman {i + 1}"] for i in range(pages)]
        return Response(pdfsample.make_pdf(body), mimetype="application/pdf")

    def _admin_faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.reset()
        elif request.method == "POST":
            body = request.get_json(force=True, silent=True)
            if body is None and request.get_data().strip():
                raise ValueError("faults body is not valid JSON")
            self.faults.update(body if body is not None else {})
        return _json(self.faults.snapshot())

    def _admin_log(self, request: Request) -> Response:
        if request.method == "DELETE":
            with self._lock:
                self._log.clear()
            return _json([])
        with self._lock:
            entries = list(self._log)
        filters = {k: v for k, v in request.args.items() if v}
        sha_in = filters.pop("sha256_in", None)
        sha_out = filters.pop("sha256_out", None)
        for key, value in filters.items():
            entries = [e for e in entries if str(e.get(key)) == value]
        if sha_in:
            entries = [
                e
                for e in entries
                if any(d.get("sha256_in") == sha_in for d in e["documents"])
            ]
        if sha_out:
            entries = [
                e
                for e in entries
                if any(d.get("sha256_out") == sha_out for d in e["documents"])
            ]
        return _json(entries)

    def _admin_users(self, request: Request) -> Response:
        if request.method == "POST":
            body = request.get_json(force=True, silent=True)
            items = body if isinstance(body, list) else [body]
            try:
                added = [self.users.add(item).public_dict() for item in items]
            except UserError as exc:
                return _json({"error": str(exc)}, 400)
            return _json(added if isinstance(body, list) else added[0], 201)
        return _json(
            {
                "users": [u.public_dict() for u in self.users.all_users()],
                "seal_subscribers": [
                    s.public_dict() for s in self.users.all_subscribers()
                ],
            }
        )

    def _admin_user_status(self, request: Request, ident: str) -> Response:
        """Switch one user's certificate status (ISSUE -> EXPIRED, REVOKE, ...)
        keeping the passphrase and TOTP secret, as BSrE does when a
        certificate expires or is revoked under an existing account."""
        body = request.get_json(force=True, silent=True) or {}
        try:
            user = self.users.set_status(ident, body.get("status"))
        except UserError as exc:
            return _json({"error": str(exc)}, 400)
        if user is None:
            return _json({"error": "unknown user"}, 404)
        return _json(user.public_dict())

    def _admin_outbox(self, request: Request) -> Response:
        with self._lock:
            if request.method == "DELETE":
                self._outbox.clear()
            return _json(list(self._outbox))

    def _admin_document(self, request: Request, doc_id: str) -> Response:
        with self._lock:
            data = self._documents.get(doc_id)
        if data is None:
            return _json({"error": "unknown doc_id"}, 404)
        return Response(data, mimetype="application/pdf")

    def _admin_reset(self, request: Request) -> Response:
        self.faults.reset()
        self.users.reload()
        self._reset_runtime()
        return _json({"status": "reset"})


def create_app(
    state_dir: Path | str,
    api_user: str = DEFAULT_API_USER,
    api_password: str = DEFAULT_API_PASSWORD,
    users_path: Path | str | None = None,
    faults: Faults | None = None,
    prepare: bool = True,
    sign_processes: int = 0,
) -> SandboxApp:
    """Build the sandbox; ``prepare`` pre-issues the seeded certificates.

    ``sign_processes`` > 0 signs in that many worker processes (started here,
    before any server thread); 0 signs in the request threads.
    """
    app = SandboxApp(
        state_dir, api_user, api_password, users_path, faults, sign_processes
    )
    if prepare:
        app.prepare_identities()
    return app
