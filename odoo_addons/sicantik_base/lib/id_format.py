"""Indonesian formatting of dates and numbers, without Odoo and without locales.

Why not ``babel`` or ``strftime``: the public verification page and the e-mails
to permit holders must read "27 November 2026" and "1.234.567,5" whatever the
server's locale, the visitor's browser or the Odoo user's language is, and the
page's addon must be able to use this without depending on Odoo's
translation machinery.  Twelve month names and two separators are simpler and
more predictable than a locale database.
"""

import datetime as _dt
from decimal import ROUND_HALF_UP, Decimal

MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def format_date_id(value, with_day=False, empty=""):
    """``date(2026, 11, 27)`` → ``"27 November 2026"`` (``"Jumat, 27 …"``).

    Accepts a ``date``, a ``datetime`` (its date part) or an ISO string;
    ``None``/``False`` give ``empty`` (Odoo's empty fields are ``False``).
    """
    if not value:
        return empty
    if isinstance(value, str):
        value = _dt.date.fromisoformat(value[:10])
    text = f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    if with_day:
        text = f"{DAYS[value.weekday()]}, {text}"
    return text


def format_datetime_id(value, tz=None, with_seconds=False, empty=""):
    """``datetime`` → ``"27 November 2026 14.05 WIB"``-style text.

    Indonesian style separates hours and minutes with a dot.  ``tz`` is a
    ``zoneinfo.ZoneInfo``: a naive value is taken as UTC (Odoo stores UTC)
    and converted; the zone abbreviation (WIB/WITA/WIT) is appended when
    known.
    """
    if not value:
        return empty
    if isinstance(value, str):
        value = _dt.datetime.fromisoformat(value)
    if tz is not None:
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        value = value.astimezone(tz)
    clock = f"{value.hour:02d}.{value.minute:02d}"
    if with_seconds:
        clock += f".{value.second:02d}"
    text = f"{format_date_id(value)} {clock}"
    abbr = value.tzname() if value.tzinfo is not None else None
    if abbr and abbr.isalpha():
        text += f" {abbr}"
    return text


def format_number_id(value, digits=None, empty=""):
    """``1234567.5`` → ``"1.234.567,5"`` (dot for thousands, comma for decimals).

    ``digits`` fixes the number of decimals (rounded half up, like a cashier);
    without it, floats keep their significant decimals and integers none.
    """
    if value is None or value is False:
        return empty
    number = Decimal(str(value))
    if digits is not None:
        number = number.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    text = format(abs(number), "f")
    whole, _sep, frac = text.partition(".")
    if digits is None:
        frac = frac.rstrip("0")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    result = ".".join(groups)
    if frac:
        result += "," + frac
    return sign + result
