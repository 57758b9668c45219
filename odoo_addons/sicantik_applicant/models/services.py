"""Deployment settings of the applicant addon, in one place.

Secrets and endpoints come from ``odoo.conf``/environment
(``sicantik_applicant_*``, ``sicantik_whatsapp_*``), never from the
database or a caller (see ``sicantik_base.lib.settings``).
"""

from odoo.addons.sicantik_base.lib import settings

from ..lib import whatsapp

DEFAULTS = {
    "applicant_rate_limit": 10,
    "applicant_rate_window": 60,
    "applicant_number_limit": 20,
    "applicant_download_ttl": 600,
    "applicant_download_limit": 5,
    "whatsapp_max_attempts": 6,
    "whatsapp_backoff_seconds": 300,
    "whatsapp_timeout": 10,
}


def int_setting(name):
    return settings.get_int(name, DEFAULTS[name])


def secret():
    """The HMAC secret of tokens, tracking codes and visitor keys (or None)."""
    return settings.get("applicant_secret") or None


def whatsapp_config():
    keys = (
        "provider",
        "url",
        "token",
        "phone_number_id",
        "api_version",
        "language",
        "field_to",
        "field_message",
        "field_id",
        "token_header",
    )
    config = {key: settings.get(f"whatsapp_{key}") for key in keys}
    config["timeout"] = int_setting("whatsapp_timeout")
    return config


def whatsapp_provider():
    """The configured provider, or ``None`` when WhatsApp is off."""
    return whatsapp.build(whatsapp_config())


def quiet_hours():
    """``(start, end)`` from ``sicantik_whatsapp_quiet_hours`` (``21:00-07:00``)."""
    raw = settings.get("whatsapp_quiet_hours", "21:00-07:00") or ""
    start, _sep, end = raw.partition("-")
    return (
        whatsapp.parse_clock(start.strip(), whatsapp.parse_clock("21:00", None)),
        whatsapp.parse_clock(end.strip(), whatsapp.parse_clock("07:00", None)),
    )
