"""Build the plain-Python BSrE services from the settings.

Why a module and not model methods: the client and the visible-signature
configuration are configuration-driven and ORM-free.  The client is cached per
configuration so its connection pool is reused by every request of a worker,
and rebuilt when the settings change (tests point ``SICANTIK_BSRE_*`` at a
sandbox).  Secrets (API password) come from ``odoo.conf``/environment only.
"""

import threading

from odoo.addons.sicantik_base.lib import settings

from ..lib import batch as bsre_batch
from ..lib import client as bsre_client

_lock = threading.Lock()
_clients = {}

#: ``ir.config_parameter`` keys of the (non-secret) signing and page options.
PARAM_PREFIX = "sicantik_bsre."
DEFAULTS = {
    "qr_page": "-1",
    "qr_x": "400",
    "qr_y": "680",
    "qr_width": "150",
    "qr_height": "75",
    "qr_tag": "",
    "sign_reason": "Dokumen ditandatangani secara elektronik",
    "sign_location": "",
    "batch_chunk_size": str(bsre_batch.DEFAULT_CHUNK_SIZE),
    "batch_workers": str(bsre_batch.DEFAULT_WORKERS),
    # One OTP covers one v2 call: every document of it, up to this many.
    "otp_max_files": "50",
    "verify_rate_limit": "30",
    "verify_rate_window": "60",
    "verify_max_upload_mb": "20",
    "verify_cache_seconds": "60",
}


def config_key():
    names = (
        "bsre_url",
        "bsre_user",
        "bsre_password",
        "bsre_api_version",
        "bsre_verify_tls",
        "bsre_ca_bundle",
        "bsre_timeout_connect",
        "bsre_timeout_status",
        "bsre_timeout_sign",
        "bsre_timeout_verify",
    )
    return tuple(str(settings.get(name) or "") for name in names)


def get_client():
    """The :class:`~..lib.client.BsreClient` for the current settings."""
    key = config_key()
    with _lock:
        cached = _clients.get(key)
        if cached is None:
            cached = _clients[key] = bsre_client.client_from_settings(settings.SETTINGS)
        return cached


def param(env, name):
    value = env["ir.config_parameter"].sudo().get_param(PARAM_PREFIX + name)
    return DEFAULTS.get(name) if value in (None, False, "") else value


def int_param(env, name):
    try:
        return int(float(param(env, name)))
    except (TypeError, ValueError):
        return int(DEFAULTS[name])


def public_base_url(env):
    """Base URL printed in QR codes; falls back to Odoo's ``web.base.url``."""
    url = settings.get_url("public_base_url") or env[
        "ir.config_parameter"
    ].sudo().get_param("web.base.url")
    return (url or "").rstrip("/")


def trust_roots():
    """PEM bundle of the roots the offline check trusts (``bsre_trust_roots``).

    A path to a PEM file.  In development only — the setting unset *and* the
    BSrE URL on the loopback interface — the sandbox CA
    (``<bsre_url>/_sandbox/ca.pem``) is fetched once, so tests need no extra
    configuration; a remote server is never trusted implicitly.
    """
    from ..lib.offline_verify import load_trust_roots

    source = settings.get("bsre_trust_roots")
    with _lock:
        cached = _clients.get(("roots", source, settings.get("bsre_url")))
    if cached is not None:
        return cached
    roots = []
    if source:
        roots = load_trust_roots(source)
    elif _is_loopback(settings.get("bsre_url")):
        import requests

        try:
            response = requests.get(
                settings.get("bsre_url").rstrip("/") + "/_sandbox/ca.pem", timeout=5
            )
            if response.status_code == 200 and b"BEGIN CERTIFICATE" in response.content:
                roots = load_trust_roots(response.content)
        except requests.RequestException:
            roots = []
    with _lock:
        _clients[("roots", source, settings.get("bsre_url"))] = roots
    return roots


def _is_loopback(url):
    from urllib.parse import urlsplit

    host = urlsplit(url or "").hostname or ""
    return host in ("127.0.0.1", "localhost", "::1")
