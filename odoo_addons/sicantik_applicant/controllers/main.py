"""The permit holder's public pages: status, signed permit, delivery callback.

Why it is built this way:

* **Two factors, one answer.**  ``/status`` asks for the registration
  number and a second factor (last four characters of the NIK, or the
  receipt's tracking code).  A wrong number and a wrong factor get the same
  page, status code and message, after the same work (the permit lookup and
  both comparisons always run), so the page cannot tell whether a number
  exists.
* **Rate limits before any work**, with the verification page's Redis
  limiter (``sicantik_bsre.lib.ratelimit``): per visitor (a daily-rotating
  HMAC of the IP, never the IP) and per registration number (attempts in an
  hour, whoever makes them), so four digits cannot be walked through.
  Without Redis or without ``sicantik_applicant_secret`` the pages answer
  503: an unlimited public form is not an option.
* **Nothing personal on the page**: permit type, dates, step names and
  working days; never the name, NIK, address or phone.
* **The signed permit by token**: after the check, a download link carries
  a short-lived HMAC token (``lib/tokens.py``) naming one signed version; a
  guessed id opens nothing.  Downloads are rate-limited and audited
  (``applicant.download``).
* **CSRF**: the form is a POST with Odoo's CSRF token.
"""

import hashlib
import logging
from urllib.parse import quote

from odoo import http
from odoo.http import request

from odoo.addons.sicantik_base.lib import settings
from odoo.addons.sicantik_base.lib.redis_client import get_redis
from odoo.addons.sicantik_bsre.lib import ratelimit
from odoo.addons.sicantik_documents.lib import store

from ..lib import tokens, whatsapp
from ..models import services

_logger = logging.getLogger(__name__)

NO_MATCH = (
    "Data tidak ditemukan. Periksa kembali nomor pendaftaran dan kode "
    "verifikasi Anda."
)
UNAVAILABLE = "Layanan status permohonan sementara tidak tersedia."
TOO_MANY = "Terlalu banyak permintaan. Silakan coba lagi sebentar lagi."
LINK_EXPIRED = (
    "Tautan unduhan tidak berlaku atau sudah kedaluwarsa. Buka kembali "
    "halaman status untuk mendapatkan tautan baru."
)
HEADERS = [
    ("Cache-Control", "no-store"),
    ("X-Robots-Tag", "noindex"),
    ("Referrer-Policy", "no-referrer"),
]


class Refused(Exception):
    """The request ends with this status and message."""

    def __init__(self, status, message, retry_after=0):
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


class SicantikApplicantController(http.Controller):
    # ------------------------------------------------------------ plumbing
    def _page(self, status=200, retry_after=0, **values):
        values.setdefault("number", "")
        values.setdefault("info", None)
        values.setdefault("link", None)
        values.setdefault("message", None)
        headers = list(HEADERS)
        if retry_after:
            headers.append(("Retry-After", str(retry_after)))
        return request.render(
            "sicantik_applicant.status_page", values, status=status, headers=headers
        )

    def _refused(self, exc, number=""):
        return self._page(
            exc.status, exc.retry_after, message=exc.message, number=number
        )

    def _limit(self, scope, key, limit, window):
        """Count one hit of ``key``; raise :class:`Refused` beyond the limit."""
        try:
            redis = get_redis()
            decision = ratelimit.hit(redis, key, limit, window, scope=scope)
        except Exception as exc:
            _logger.warning("applicant rate limit unavailable: %s", exc)
            raise Refused(503, UNAVAILABLE) from exc
        if not decision.allowed:
            raise Refused(429, TOO_MANY, decision.retry_after)

    def _visitor(self):
        """The visitor's pseudonym after the per-visitor limit (or Refused)."""
        secret = services.secret()
        if not secret:
            _logger.error("sicantik_applicant_secret is not set: status page is off")
            raise Refused(503, UNAVAILABLE)
        visitor = ratelimit.visitor_key(request.httprequest.remote_addr, secret)
        self._limit(
            "applicant",
            visitor,
            services.int_setting("applicant_rate_limit"),
            services.int_setting("applicant_rate_window"),
        )
        return visitor

    def _find(self, number, factor):
        """The permit when number and factor match, else ``None`` (uniform)."""
        number = " ".join(str(number or "").split())[:64]
        key = hashlib.sha256(number.upper().encode()).hexdigest()[:32]
        self._limit(
            "applicant-number",
            key,
            services.int_setting("applicant_number_limit"),
            3600,
        )
        Permit = request.env["sicantik.permit"].sudo()
        permit = Permit.search([("name", "=", number)], limit=1) if number else Permit
        # a missing permit still runs the comparison (on an empty record)
        if permit:
            return permit if permit._holder_matches(factor) else None
        # the same comparisons on an empty record: no timing difference
        Permit.new({"name": number})._holder_matches(factor)
        return None

    # -------------------------------------------------------------- routes
    @http.route(
        "/status",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        csrf=True,
        sitemap=False,
    )
    def status(self, no=None, nomor=None, kode=None, **_kw):
        """The form; a POST with number and factor shows the timeline."""
        if request.httprequest.method != "POST":
            return self._page(number=(no or "")[:64])
        try:
            self._visitor()
            permit = self._find(nomor, kode)
        except Refused as exc:
            return self._refused(exc, number=(nomor or "")[:64])
        if permit is None:
            return self._page(message=NO_MATCH, number=(nomor or "")[:64])
        info = permit._public_status()
        link = None
        if info["document_id"]:
            token = tokens.make(
                services.secret(),
                info["document_id"],
                services.int_setting("applicant_download_ttl"),
            )
            link = f"/status/unduh/{token}"
        request.env["sicantik.audit.event"].sudo().log(
            "applicant.status",
            summary=f"public status page: {permit.name}",
            record=permit,
            details={"signed_available": bool(link)},
        )
        return self._page(info=info, link=link, number=permit.name)

    @http.route(
        "/status/unduh/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        csrf=False,
        save_session=False,
        sitemap=False,
    )
    def download(self, token, **_kw):
        """The signed PDF named by a valid token (streamed, audited)."""
        try:
            visitor = self._visitor()
            self._limit(
                "applicant-download",
                visitor,
                services.int_setting("applicant_download_limit"),
                services.int_setting("applicant_rate_window"),
            )
            document_id = tokens.read(services.secret(), token[:512])
        except Refused as exc:
            return self._refused(exc)
        except tokens.TokenError:
            return self._page(403, message=LINK_EXPIRED)
        doc = request.env["sicantik.document"].sudo().browse(document_id).exists()
        if not doc or doc.kind not in ("signed", "resigned") or doc.state != "stored":
            return self._page(404, message=LINK_EXPIRED)
        try:
            chunks = doc._stream()
            first = next(chunks, b"")
        except store.StoreUnavailable:
            return self._page(503, message=UNAVAILABLE)
        except store.ObjectMissing:
            return self._page(404, message=LINK_EXPIRED)
        request.env["sicantik.audit.event"].sudo().log(
            "applicant.download",
            summary=f"signed permit downloaded by its holder: {doc.display_name}",
            record=doc,
            details={"sha256": doc.sha256, "version": doc.version, "visitor": visitor},
        )

        def body():
            yield first
            yield from chunks

        filename = quote(doc._download_filename())
        return request.make_response(
            body(),
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", str(doc.size)),
                ("Content-Disposition", f"attachment; filename*=UTF-8''{filename}"),
                ("X-Content-Type-Options", "nosniff"),
                *HEADERS,
            ],
        )

    @http.route(
        "/sicantik/whatsapp/status",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
        sitemap=False,
    )
    def whatsapp_status(self, **_kw):
        """Delivery status callback of the gateway (shared secret)."""
        body = request.httprequest.get_data(cache=False)[:1_000_000]
        try:
            events = whatsapp.parse_callback(
                body,
                request.httprequest.headers,
                settings.get("whatsapp_callback_secret"),
            )
        except whatsapp.CallbackRefused:
            return request.make_json_response({"error": "forbidden"}, status=403)
        except ValueError:
            return request.make_json_response({"error": "bad request"}, status=400)
        changed = (
            request.env["sicantik.applicant.message"].sudo()._apply_delivery(events)
        )
        return request.make_json_response(
            {"received": len(events), "updated": len(changed)}
        )
