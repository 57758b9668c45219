"""Turn SICANTIK's raw values into clean, comparable values.

Why normalisation is its own module: the row hash decides whether a row is
written, and the reconciliation recomputes the same hash later from a fresh
read.  Both must see exactly the same normalised values, so every conversion
(zero dates, time zones, mojibake, whitespace) lives here and nowhere else.

Legacy realities handled (``docs/reference/sicantik.md#data-quirks``):

* ``0000-00-00`` (and ``0000-00-00 00:00:00``) means *empty*; the driver hands
  such values over as strings because they are not valid dates.
* Other impossible dates (``2025-02-30``, ``2025-00-10``) also arrive as
  strings; they are *defects* and send the row to quarantine.
* DATETIME columns hold the office's local time (default Asia/Jakarta, no DST);
  Odoo stores naive UTC.  DATE columns stay calendar dates.
* Text written by old PHP code through a latin1 connection is stored as UTF-8
  mis-decoded once more ("JalÃ¡n" for "Jalán"); it is repaired when the repair
  round-trips cleanly.
"""

import datetime
import functools
import hashlib
import json
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

ZERO_DATES = {"0000-00-00", "0000-00-00 00:00:00"}
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00c5\u00e2][\u0080-\u00bf\u0152-\u0178\u02c6-\u02dc\u2013-\u2122]"
)
_SPACES = re.compile(r"[\s\x00]+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvalidValue(ValueError):
    """A source value that cannot be represented; the row goes to quarantine."""

    def __init__(self, field, value, reason):
        super().__init__(f"{reason}: {field}={value!r}")
        self.field = field
        self.value = value
        self.reason = reason


def repair_mojibake(text):
    """Undo one level of UTF-8-read-as-latin1/cp1252, only when it is safe."""
    if not text or not _MOJIBAKE_HINT.search(text):
        return text
    for codec in ("cp1252", "latin-1"):
        try:
            fixed = text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        return fixed
    return text


def clean_text(value):
    """Strip, collapse inner whitespace, repair mojibake; empty → None."""
    if value is None:
        return None
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            value = value.decode("latin-1")
    text = _SPACES.sub(" ", str(value)).strip()
    if not text:
        return None
    return repair_mojibake(text)


def to_date(field, value):
    """DATE column → ``datetime.date`` or None; impossible dates raise."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    if not text or text in ZERO_DATES:
        return None
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError:
        raise InvalidValue(field, text, "Tanggal tidak valid") from None


def to_utc(field, value, tz):
    """DATETIME column in office local time → naive UTC ``datetime`` or None."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        local = value
    elif isinstance(value, datetime.date):
        local = datetime.datetime.combine(value, datetime.time())
    else:
        text = str(value).strip()
        if not text or text in ZERO_DATES:
            return None
        try:
            local = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise InvalidValue(field, text, "Tanggal/waktu tidak valid") from None
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    # the UTC offset is looked up once per calendar hour and zone (DST-safe)
    offset = _utc_offset(zone, local.replace(minute=0, second=0, microsecond=0))
    return local - offset


@functools.lru_cache(maxsize=65536)
def _utc_offset(zone, hour):
    return hour.replace(tzinfo=zone).utcoffset()


def to_int(field, value):
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidValue(field, value, "Angka tidak valid") from None


def digits(value):
    return re.sub(r"\D", "", value or "")


def nik_problem(nik):
    """Why ``nik`` is not a plausible 16-digit NIK, or None when it is.

    Structure ``PP KK CC DDMMYY NNNN``: province code 11–99, day 1–31 (or
    41–71 for women), month 1–12, serial not 0000.
    """
    if not nik or not re.fullmatch(r"\d{16}", nik):
        return "NIK harus 16 digit angka"
    if int(nik[0:2]) < 11:
        return "Kode provinsi NIK tidak valid"
    day, month = int(nik[6:8]), int(nik[8:10])
    if day > 40:
        day -= 40
    if not 1 <= day <= 31 or not 1 <= month <= 12:
        return "Tanggal lahir dalam NIK tidak valid"
    if nik[12:] == "0000":
        return "Nomor urut NIK tidak valid"
    return None


def npwp_problem(npwp):
    """Why ``npwp`` is not a 15-digit (legacy) or 16-digit NPWP, else None."""
    if npwp is None:
        return None
    number = digits(npwp)
    if len(number) not in (15, 16):
        return "NPWP harus 15 atau 16 digit"
    if set(number) == {"0"}:
        return "NPWP tidak valid (semua nol)"
    return None


def email_ok(email):
    return email is None or bool(_EMAIL.match(email))


def mask_identity(value):
    """Keep only the last 4 characters of an identity number (NIK, NPWP)."""
    if not value:
        return value
    text = str(value)
    return "*" * max(len(text) - 4, 0) + text[-4:]


def _jsonable(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _hash_text(value):
    if value is None:
        return "\x00"
    if value is True or value is False:
        return "1" if value else "0"
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, Decimal):
        return str(value.normalize())
    return str(value)


def row_hash(values, keys):
    """sha256 over the normalised ``values`` of ``keys``, order-stable.

    A unit-separator join of the values' text (None is NUL) rather than JSON:
    this runs once per row of every batch, and the reconciliation must be
    able to recompute it exactly.
    """
    payload = "\x1f".join([_hash_text(values.get(k)) for k in keys])
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def to_json(row, masked=()):
    """A JSON text of a raw source row for the quarantine (identity masked)."""
    data = {}
    for key, value in row.items():
        value = _jsonable(value)
        if key in masked:
            value = mask_identity(value)
        data[key] = value
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)


def hash_fold(hashes):
    """Order-independent checksum of row hashes: XOR of their first 64 bits."""
    acc = 0
    for value in hashes:
        if not value:
            continue
        try:
            acc ^= int(value[:16], 16)
        except ValueError:  # a tampered value: still counts, deterministically
            acc ^= int(hashlib.sha256(value.encode()).hexdigest()[:16], 16)
    return f"{acc:016x}"
