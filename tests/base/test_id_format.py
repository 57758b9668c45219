"""Indonesian formatting for the public page and the holder e-mails."""

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sicantik_base_lib import id_format as f


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 11, 27), "27 November 2026"),
        (date(2026, 1, 1), "1 Januari 2026"),
        (date(2025, 3, 31), "31 Maret 2025"),
        (date(2024, 5, 9), "9 Mei 2024"),
        (date(2024, 8, 17), "17 Agustus 2024"),
        (date(2024, 12, 25), "25 Desember 2024"),
        (datetime(2026, 11, 27, 23, 59), "27 November 2026"),
        ("2026-02-28", "28 Februari 2026"),
        (None, ""),
        (False, ""),
    ],
)
def test_format_date_id(value, expected):
    assert f.format_date_id(value) == expected


def test_every_month_name():
    names = [f.format_date_id(date(2026, m, 1)).split()[1] for m in range(1, 13)]
    assert names == list(f.MONTHS)


def test_weekday_name():
    assert f.format_date_id(date(2026, 11, 27), with_day=True) == (
        "Jumat, 27 November 2026"
    )
    assert f.format_date_id(date(2026, 11, 29), with_day=True).startswith("Minggu")


def test_format_datetime_id_time_zones():
    utc = datetime(2026, 11, 27, 17, 30)
    assert f.format_datetime_id(utc, tz=ZoneInfo("Asia/Jakarta")) == (
        "28 November 2026 00.30 WIB"
    )
    assert f.format_datetime_id(utc, tz=ZoneInfo("Asia/Jayapura")) == (
        "28 November 2026 02.30 WIT"
    )
    aware = datetime(2026, 11, 27, 1, 2, 3, tzinfo=timezone.utc)
    assert f.format_datetime_id(aware, with_seconds=True) == (
        "27 November 2026 01.02.03 UTC"
    )
    assert f.format_datetime_id(datetime(2026, 1, 2, 8, 5)) == "2 Januari 2026 08.05"
    assert f.format_datetime_id(None) == ""


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (1234567.5, None, "1.234.567,5"),
        (1234567, None, "1.234.567"),
        (999, None, "999"),
        (1000, None, "1.000"),
        (0, None, "0"),
        (0.5, None, "0,5"),
        (-1234.25, None, "-1.234,25"),
        (1234.5, 2, "1.234,50"),
        (2.675, 2, "2,68"),
        (1999999.999, 0, "2.000.000"),
        (None, None, ""),
    ],
)
def test_format_number_id(value, digits, expected):
    assert f.format_number_id(value, digits=digits) == expected
