"""One accessor for the service configuration of every SICANTIK addon.

Why this exists: endpoints and secrets (SICANTIK's MySQL URL, S3 keys, the BSrE
API password, the document encryption key) must never live in the database — a
database dump is handed around for support, restored on staging, and readable by
any Odoo administrator.  They come from the deployment instead:

1. the environment variable ``SICANTIK_<NAME>`` (containers, CI), which wins over
2. the ``sicantik_<name>`` key of ``odoo.conf`` (classic installs), which wins over
3. the default given by the caller.

Odoo keeps every key of its configuration file in ``odoo.tools.config``, so no
registration is needed for our own keys.  The module imports Odoo lazily so that
plain-Python code (sandboxes, command-line tools) can use it without Odoo.
"""

import os
from urllib.parse import urlsplit, urlunsplit

PREFIX = "sicantik_"

_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f", ""}


def _odoo_config():
    try:
        from odoo.tools import config
    except ImportError:  # pragma: no cover - plain-Python callers
        return {}
    return config


def get(name, default=None, environ=None, conf=None):
    """Return the raw value of setting ``name`` (without the prefix)."""
    key = name.lower()
    if key.startswith(PREFIX):
        key = key[len(PREFIX) :]
    environ = os.environ if environ is None else environ
    env_key = (PREFIX + key).upper()
    if environ.get(env_key) not in (None, ""):
        return environ[env_key]
    conf = _odoo_config() if conf is None else conf
    value = conf.get(PREFIX + key) if hasattr(conf, "get") else None
    if value not in (None, "", False):
        return value
    return default


def get_bool(name, default=False, **kw):
    value = get(name, None, **kw)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"Setting {name!r} must be a boolean, got {value!r}")


def get_int(name, default=0, **kw):
    value = get(name, None, **kw)
    if value is None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Setting {name!r} must be an integer, got {value!r}") from exc


def get_float(name, default=0.0, **kw):
    value = get(name, None, **kw)
    if value is None:
        return default
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Setting {name!r} must be a number, got {value!r}") from exc


def mysql_tls(**kw):
    """``(ca_file or None, state)`` of the link to SICANTIK's MySQL.

    ``mysql_tls_ca`` names the CA file the server's certificate must chain
    to; TLS is on when it is set, unless ``mysql_tls`` is explicitly false
    (offices whose MySQL has no TLS).  ``state`` is what the health detail
    shows.  TLS asked for without a CA is refused: PyMySQL would then
    encrypt without checking whom it talks to.
    """
    ca_file = get("mysql_tls_ca", **kw)
    enabled = get_bool("mysql_tls", default=bool(ca_file), **kw)
    if not enabled:
        explicit = get("mysql_tls", **kw) is not None
        return None, "off (opt-out)" if explicit else "off (not configured)"
    if not ca_file:
        raise ValueError(
            "sicantik_mysql_tls is on but sicantik_mysql_tls_ca names no CA file"
        )
    return ca_file, "on (CA verified, host name checked)"


def redact_url(url):
    """Hide the password of a URL so it can be shown to administrators or logged."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.hostname or ""
    if parts.username:
        netloc = f"{parts.username}:***@{netloc}"
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


#: Services whose configuration the Settings page reports (never the secrets).
SERVICES = {
    "mysql": ("mysql_url",),
    "s3": ("s3_endpoint", "s3_access_key", "s3_secret_key", "s3_bucket"),
    "redis": ("redis_url",),
    "bsre": ("bsre_url", "bsre_user", "bsre_password"),
}


def service_summary(**kw):
    """Describe each service as 'configured (host)' or 'missing <keys>'.

    Only non-secret parts are returned: this text ends up on a settings page.
    """
    summary = {}
    for service, keys in SERVICES.items():
        missing = [k for k in keys if not get(k, **kw)]
        if missing:
            summary[service] = "missing: " + ", ".join(PREFIX + k for k in missing)
            continue
        first = str(get(keys[0], **kw))
        host = urlsplit(first).hostname if "//" in first else first
        summary[service] = f"configured ({host})"
    return summary
