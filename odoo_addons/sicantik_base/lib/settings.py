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
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PREFIX = "sicantik_"

#: The only words accepted as yes/no, for every flag of every addon and tool.
_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f", ""}

#: Units of a duration setting: ``90`` (in the setting's own unit), ``90s``,
#: ``5m``, ``2h``, ``1d``.
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

#: Where the office's time zone lives when the deployment does not set
#: ``sicantik_timezone``: the Settings screen (stored in the database).
TIMEZONE_PARAM = "sicantik_base.source_timezone"
DEFAULT_TIMEZONE = "Asia/Jakarta"


def _odoo_config():
    try:
        from odoo.tools import config
    except ImportError:  # pragma: no cover - plain-Python callers
        return {}
    return config


def _key(name):
    key = name.lower()
    if key.startswith(PREFIX):
        key = key[len(PREFIX) :]
    return key


def parse_bool(value, default=False, name="value"):
    """The one yes/no parser: ``1/true/yes/on/y/t`` and ``0/false/no/off/n/f``.

    Anything else is a configuration mistake and raises, rather than silently
    meaning "no" (a mistyped ``s3_secure=ture`` must not turn TLS off).
    """
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return default if text == "" else False
    raise ValueError(f"Setting {name!r} must be a boolean, got {value!r}")


def parse_duration(value, default_unit="s", name="value"):
    """Seconds (a float) from ``90``, ``90s``, ``5m``, ``2h`` or ``1d``.

    A bare number is in ``default_unit``: settings named ``*_hours`` keep
    meaning hours, ``*_seconds`` seconds.
    """
    match = _DURATION_RE.match(str(value))
    if not match:
        raise ValueError(f"Setting {name!r} must be a duration, got {value!r}")
    number, unit = match.groups()
    return float(number) * _UNIT_SECONDS[(unit or default_unit).lower()]


class Settings:
    """Typed access to the ``sicantik_*`` settings; what the libs receive.

    ``environ`` and ``conf`` default to the process environment and Odoo's
    configuration, read at each call (tests and ``odoo.conf`` reloads change
    them).  An instance is also callable as ``get(name, default)`` so code that
    only needs raw text keeps a one-argument accessor.
    """

    def __init__(self, environ=None, conf=None):
        self._environ = environ
        self._conf = conf

    @classmethod
    def from_mapping(cls, values):
        """Settings over ``{"s3_endpoint": ...}`` only (tests, tools, benches)."""
        return cls(environ={}, conf={PREFIX + _key(k): v for k, v in values.items()})

    @classmethod
    def from_environ(cls, environ):
        """Settings over ``SICANTIK_*`` variables only (child processes, tools)."""
        return cls(environ=dict(environ), conf={})

    def _lookup(self, name):
        """``(value, origin)`` of a setting; origin is ``"environment"``,
        ``"odoo.conf"`` or ``None`` when it is not set."""
        key = _key(name)
        environ = os.environ if self._environ is None else self._environ
        env_key = (PREFIX + key).upper()
        if environ.get(env_key) not in (None, ""):
            return environ[env_key], "environment"
        conf = _odoo_config() if self._conf is None else self._conf
        value = conf.get(PREFIX + key) if hasattr(conf, "get") else None
        if value not in (None, "", False):
            return value, "odoo.conf"
        return None, None

    def get(self, name, default=None):
        """The raw value of setting ``name`` (without the prefix)."""
        value = self._lookup(name)[0]
        return default if value is None else value

    __call__ = get

    def origin(self, name):
        """Where the value comes from, for the Settings screen: the variable
        or the ``odoo.conf`` key, or ``None`` when the deployment does not set it."""
        origin = self._lookup(name)[1]
        if origin == "environment":
            return f"environment ({(PREFIX + _key(name)).upper()})"
        if origin == "odoo.conf":
            return f"odoo.conf ({PREFIX + _key(name)})"
        return None

    def bool(self, name, default=False):
        return parse_bool(self.get(name), default, name)

    def int(self, name, default=0, minimum=None):
        value = self.get(name)
        if value is None:
            result = default
        else:
            try:
                result = int(str(value).strip())
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"Setting {name!r} must be an integer, got {value!r}"
                ) from exc
        return result if minimum is None else max(minimum, result)

    def float(self, name, default=0.0):
        value = self.get(name)
        if value is None:
            return default
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"Setting {name!r} must be a number, got {value!r}"
            ) from exc

    def seconds(self, name, default, unit="s"):
        """A duration in seconds; see :func:`parse_duration`."""
        value = self.get(name)
        if value is None:
            return float(default)
        return parse_duration(value, unit, name)

    def url(self, name, default=None):
        """A URL with a scheme and a host, without trailing slash; ``default``
        when unset.  A value that is not a URL raises."""
        value = self.get(name)
        if value is None:
            return default
        text = str(value).strip()
        parts = urlsplit(text)
        if not (parts.scheme and parts.netloc):
            raise ValueError(
                f"Setting {name!r} must be a URL, got {redact_url(text)!r}"
            )
        return text.rstrip("/")

    def path(self, name, default=None):
        """A filesystem path (``~`` expanded), or ``default`` when unset."""
        value = self.get(name)
        if value is None:
            return default
        return Path(str(value).strip()).expanduser()

    def s3(self):
        """The S3 settings as one :class:`~.s3.S3Config` (raises when incomplete)."""
        from . import s3

        return s3.S3Config.from_settings(self)

    def s3_client(self, **transport):
        """An S3 client from the one factory (:func:`.s3.make_client`);
        ``transport``: timeouts and retries of the caller's use."""
        from . import s3

        return s3.make_client(self.s3(), **transport)

    def timezone(self, env=None):
        """The office's time zone, from one place.

        The deployment's ``sicantik_timezone`` wins (it is shown read-only on
        the Settings screen); otherwise the zone chosen on the Settings screen
        (``env`` is an Odoo environment, read through ``ir.config_parameter``);
        otherwise Asia/Jakarta.
        """
        value = self.get("timezone")
        if value is None and env is not None:
            value = env["ir.config_parameter"].sudo().get_param(TIMEZONE_PARAM)
        return value or DEFAULT_TIMEZONE


#: The process's settings (environment over ``odoo.conf``), read at each call.
SETTINGS = Settings()


def _bound(environ, conf):
    if environ is None and conf is None:
        return SETTINGS
    return Settings(environ=environ, conf=conf)


def get(name, default=None, environ=None, conf=None):
    """Return the raw value of setting ``name`` (without the prefix)."""
    return _bound(environ, conf).get(name, default)


def get_bool(name, default=False, environ=None, conf=None):
    return _bound(environ, conf).bool(name, default)


def get_int(name, default=0, environ=None, conf=None):
    return _bound(environ, conf).int(name, default)


def get_float(name, default=0.0, environ=None, conf=None):
    return _bound(environ, conf).float(name, default)


def get_seconds(name, default, unit="s", environ=None, conf=None):
    return _bound(environ, conf).seconds(name, default, unit)


def get_url(name, default=None, environ=None, conf=None):
    return _bound(environ, conf).url(name, default)


def get_path(name, default=None, environ=None, conf=None):
    return _bound(environ, conf).path(name, default)


def timezone(env=None):
    """The office's time zone; see :meth:`Settings.timezone`."""
    return SETTINGS.timezone(env)


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


#: Parts of a setting name that mark a secret: its value is never displayed.
_SECRET_WORDS = ("password", "secret", "key", "salt", "dsn", "token", "passphrase")


def display_value(name, value):
    """A setting's value as the Settings screen may show it: secrets as
    ``(set)``, URLs without their password."""
    if any(word in _key(name) for word in _SECRET_WORDS):
        return "(set)"
    text = str(value)
    return redact_url(text) if "://" in text else text


def deployment_settings(environ=None, conf=None):
    """``[(name, shown value, origin)]`` of every ``sicantik_*`` setting the
    deployment provides, sorted; what the Settings screen lists read-only."""
    environ = os.environ if environ is None else environ
    conf = _odoo_config() if conf is None else conf
    names = {k[len(PREFIX) :].lower() for k in environ if k.startswith(PREFIX.upper())}
    # Odoo's configmanager keeps its keys in ``options`` (no ``keys()``).
    keys = getattr(conf, "options", conf)
    names |= {
        k[len(PREFIX) :]
        for k in (keys.keys() if hasattr(keys, "keys") else ())
        if str(k).startswith(PREFIX)
    }
    source = Settings(environ=environ, conf=conf)
    rows = []
    for name in sorted(names):
        value = source.get(name)
        if value is not None:
            rows.append(
                (PREFIX + name, display_value(name, value), source.origin(name))
            )
    return rows


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
