"""Public verification: the QR target page, the upload check and a JSON API.

Why it is built this way:

* **HTTP only.**  Routes read only ``sicantik.verification`` (a precomputed,
  masked summary; see that model), through its ``_public_view`` (summary and
  rendered page, cached per token in Redis and shared by every worker) and
  ``_public_check_file``; never the permit, the applicant or the request.
  Responses carry no NIK, address or phone because the data they are built
  from has none.
* **Rate limit before any work.**  Each visitor (a daily-rotating salted hash
  of the IP, never the IP itself) gets ``verify_rate_limit`` requests per
  window across page, upload and API; beyond that HTTP 429 with
  ``Retry-After``.  When Redis is unreachable the routes answer 503 unless
  ``sicantik_bsre_verify_fail_open`` is set: an unlimited public endpoint is a
  decision an operator must take explicitly.
* **Counted, not tracked.**  Every verification increments daily counters in
  Redis; one ``verify.public`` audit event per visitor, token and day records
  that a permit was checked, with the audit trail's salted visitor key.
* **Uploads are bounded** (``verify_max_upload_mb``) and checked twice: the
  SHA-256 must equal a signed version we issued, and pyHanko validates the
  signature offline against the configured trust roots.
* **Refused before parsing.**  Odoo parses a multipart body before the route
  runs, so the upload routes declare ``max_content_length``; Odoo evaluates it
  in ``pre_dispatch``, before reading the body, and :meth:`_body_limit`
  answers 413 there to a declared length above ``UPLOAD_CEILING_MB`` or a POST
  without a length (chunked).  Werkzeug enforces the same limit while reading.
  The smaller ``verify_max_upload_mb`` is checked after parsing as before.
* **The PDF check is bounded** (decompression, signatures examined, CPU,
  memory; see ``lib/offline_verify``): a file that exceeds the bounds gets a
  422 with an Indonesian message, and the worker goes on serving.
* **Visitor pseudonyms need a salt** (``verify_salt``): without it the routes
  answer 503 rather than fall back to ``database.secret``, which a database
  dump or a staging restore hands to whoever reads it.
"""

import hashlib
import logging

from werkzeug.exceptions import abort

from odoo import http
from odoo.http import request

from odoo.addons.sicantik_base.lib import settings
from odoo.addons.sicantik_base.lib.redis_client import get_redis

from ..lib import offline_verify, ratelimit
from ..models import services

_logger = logging.getLogger(__name__)

#: No upload body above this is read, whatever ``verify_max_upload_mb`` says
#: (nginx's ``client_max_body_size`` says the same in front of Odoo).
UPLOAD_CEILING_MB = 20
#: Room for the multipart envelope around the file.
MULTIPART_SLACK = 64 * 1024
MAX_BODY = UPLOAD_CEILING_MB * 1024 * 1024 + MULTIPART_SLACK
TOO_LARGE = "Berkas terlalu besar atau ukurannya tidak diketahui."


class Unavailable(Exception):
    """Redis is needed for the rate limit and is not reachable."""


class SicantikVerifyController(http.Controller):
    # ------------------------------------------------------------ plumbing
    def _env(self):
        return request.env(su=True)

    def _visitor(self, env):
        """The visitor's pseudonym, or ``None`` when no salt is configured."""
        secret = settings.get("verify_salt")
        if not secret:
            _logger.error("sicantik_verify_salt is not set: public verification is off")
            return None
        return ratelimit.visitor_key(request.httprequest.remote_addr, secret)

    def _body_limit(self):
        """``max_content_length`` of the upload routes (see the module doc).

        Called by Odoo before the body is read; refuses with our own message
        instead of werkzeug's English page, and never reads the body.
        """
        httprequest = request.httprequest
        length = httprequest.content_length
        if httprequest.method == "POST" and (length is None or length > MAX_BODY):
            response = self._error(413, TOO_LARGE)
            if getattr(response, "is_qweb", False):
                response.flatten()
            abort(response)
        return MAX_BODY

    def _redis(self):
        try:
            redis = get_redis()
        except Exception:
            redis = None
        return redis

    def _limit(self, env, visitor):
        """Return ``None`` when allowed, else the response to send."""
        limit = services.int_param(env, "verify_rate_limit")
        window = services.int_param(env, "verify_rate_window")
        redis = self._redis()
        try:
            if redis is None:
                raise Unavailable()
            decision = ratelimit.hit(redis, visitor, limit, window)
        except Exception:
            if settings.get_bool("bsre_verify_fail_open", False):
                return None
            return self._unavailable()
        if decision.allowed:
            return None
        return self._error(
            429,
            "Terlalu banyak permintaan. Silakan coba lagi sebentar lagi.",
            headers=[("Retry-After", str(decision.retry_after))],
        )

    def _unavailable(self):
        return self._error(503, "Layanan verifikasi sementara tidak tersedia.")

    def _complex(self):
        return self._error(
            422,
            offline_verify.OfflineResult("too_complex").message_id,
        )

    def _wants_json(self):
        return request.httprequest.path.startswith("/api/")

    def _error(self, status, message, headers=None):
        headers = list(headers or [])
        headers.append(("Cache-Control", "no-store"))
        if self._wants_json():
            return request.make_json_response(
                {"error": message, "status": status}, status=status, headers=headers
            )
        response = request.render(
            "sicantik_bsre.verify_message",
            {"message": message, "status": status},
            status=status,
            headers=headers,
        )
        return response

    def _count(self, env, visitor, data, kind):
        redis = self._redis()
        token_hash = hashlib.sha256((data or {}).get("token", "").encode()).hexdigest()
        first = True
        if redis is not None:
            try:
                ratelimit.count_verification(redis, token_hash[:16], kind)
                first = ratelimit.first_today(redis, f"{visitor}:{token_hash[:16]}")
            except Exception:
                _logger.debug("verification counters unavailable")
        if first and data:
            env["sicantik.audit.event"].log(
                "verify.public",
                summary=f"public verification ({kind}): {data.get('permit_number')}",
                record=("sicantik.verification", data.get("_id")),
                details={"kind": kind, "status": data.get("status")},
            )

    def _read_upload(self, env):
        """``(bytes, None)`` or ``(None, error response)`` for a bounded upload."""
        limit_mb = min(
            services.int_param(env, "verify_max_upload_mb"), UPLOAD_CEILING_MB
        )
        limit = limit_mb * 1024 * 1024
        length = request.httprequest.content_length
        if length is None or length > limit + MULTIPART_SLACK:
            return None, self._error(413, TOO_LARGE)
        upload = request.httprequest.files.get("file")
        if upload is not None:
            data = upload.read(limit + 1)
        else:
            data = request.httprequest.get_data()[: limit + 1]
        if not data:
            return None, self._error(400, "Tidak ada berkas PDF yang dikirim.")
        if len(data) > limit:
            return None, self._error(413, "Berkas terlalu besar.")
        return data, None

    @staticmethod
    def _public(data):
        return {k: v for k, v in (data or {}).items() if not k.startswith("_")}

    def _lookup(self, token, page=False):
        """Rate-limit the visitor, then find the token's public summary.

        Returns ``(env, visitor, data, html, None)`` (``html``: the cached
        page, when ``page``), or a response in the last place when the request
        ends here (429/503 from the limiter, 404).
        """
        env = self._env()
        visitor = self._visitor(env)
        if visitor is None:
            return env, visitor, None, None, self._unavailable()
        limited = self._limit(env, visitor)
        if limited is not None:
            return env, visitor, None, None, limited
        data, html = env["sicantik.verification"]._public_view(token, page=page)
        if not data:
            return (
                env,
                visitor,
                None,
                None,
                self._error(404, "Dokumen tidak ditemukan."),
            )
        return env, visitor, data, html, None

    # -------------------------------------------------------------- routes
    @http.route(
        "/verify/<string:token>",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        max_content_length=lambda self: self._body_limit(),
        csrf=False,
        save_session=False,
        sitemap=False,
    )
    def verify_page(self, token, **_kw):
        """The QR target; a POST with a PDF adds the upload check."""
        is_post = request.httprequest.method == "POST"
        env, visitor, data, html, stop = self._lookup(token, page=not is_post)
        if stop is not None:
            return stop
        kind = "page"
        if is_post:
            upload, error = self._read_upload(env)
            if error is not None:
                return error
            Verification = env["sicantik.verification"]
            check = Verification._public_check_file(upload, expected=data)
            if check is None:
                return self._complex()
            html = Verification._public_render(data, check)
            kind = "upload"
        self._count(env, visitor, data, kind)
        return request.make_response(
            html,
            headers=[
                ("Content-Type", "text/html; charset=utf-8"),
                ("Cache-Control", "no-store"),
                ("X-Robots-Tag", "noindex"),
                ("Referrer-Policy", "no-referrer"),
            ],
        )

    @http.route(
        "/api/verify/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        csrf=False,
        save_session=False,
        sitemap=False,
    )
    def verify_api(self, token, **_kw):
        env, visitor, data, _html, stop = self._lookup(token)
        if stop is not None:
            return stop
        self._count(env, visitor, data, "api")
        return request.make_json_response(
            self._public(data), headers=[("Cache-Control", "no-store")]
        )

    @http.route(
        "/api/verify",
        type="http",
        auth="public",
        methods=["POST"],
        max_content_length=lambda self: self._body_limit(),
        csrf=False,
        save_session=False,
        sitemap=False,
    )
    def verify_api_file(self, **_kw):
        """POST a PDF (multipart ``file`` or raw body): is it ours, and valid?"""
        env = self._env()
        visitor = self._visitor(env)
        if visitor is None:
            return self._unavailable()
        limited = self._limit(env, visitor)
        if limited is not None:
            return limited
        upload, error = self._read_upload(env)
        if error is not None:
            return error
        result = env["sicantik.verification"]._public_check_file(upload)
        if result is None:
            return self._complex()
        self._count(env, visitor, result["document"], "upload")
        result["document"] = self._public(result["document"]) or None
        return request.make_json_response(
            result, headers=[("Cache-Control", "no-store")]
        )


class SicantikSignController(http.Controller):
    @http.route("/sicantik_bsre/sign", type="json", auth="user", methods=["POST"])
    def sign(self, wizard_id, passphrase=None, totp=None):
        """Receive the passphrase (or one-time code) in a POST body and hand it
        to the wizard.

        A dedicated route rather than ``call_kw``: Odoo logs ``call_kw``
        arguments at DEBUG, route parameters it does not log (see the wizard's
        module docstring).  The wizard is read with the caller's rights.
        """
        wizard = request.env["sicantik.sign.wizard"].browse(int(wizard_id))
        wizard.check_access("write")
        return wizard._action_sign(passphrase=passphrase, totp=totp)
