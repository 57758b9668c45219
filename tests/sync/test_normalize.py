"""Normalisation: dates, time zones, mojibake, identity numbers, hashes."""

import datetime

import pytest
from sicantik_sync_lib import normalize as nz


def test_zero_dates_are_empty():
    assert nz.to_date("d", "0000-00-00") is None
    assert nz.to_utc("d", "0000-00-00 00:00:00", "Asia/Jakarta") is None
    assert nz.to_date("d", None) is None


def test_impossible_dates_are_defects():
    with pytest.raises(nz.InvalidValue, match="Tanggal tidak valid"):
        nz.to_date("d_survey", "2025-02-30")
    with pytest.raises(nz.InvalidValue):
        nz.to_utc("d_entry", "2025-13-01 10:00:00", "Asia/Jakarta")


def test_local_datetime_to_naive_utc():
    local = datetime.datetime(2025, 1, 6, 9, 16, 30)
    assert nz.to_utc("d", local, "Asia/Jakarta") == datetime.datetime(
        2025, 1, 6, 2, 16, 30
    )
    assert nz.to_utc("d", local, "Asia/Makassar") == datetime.datetime(
        2025, 1, 6, 1, 16, 30
    )
    # the day boundary moves
    assert nz.to_utc("d", "2025-01-01 03:00:00", "Asia/Jakarta") == datetime.datetime(
        2024, 12, 31, 20, 0
    )


def test_dates_stay_dates():
    assert nz.to_date("d", datetime.date(2025, 1, 6)) == datetime.date(2025, 1, 6)


@pytest.mark.parametrize(
    "clean", ["JL. VETERAN Nº 12 – KARO", "CV. MAJU CAFÉ", "Ñoño", "Jalán Raya"]
)
def test_mojibake_is_repaired(clean):
    broken = clean.encode("utf-8").decode("cp1252")
    assert broken != clean
    assert nz.clean_text(broken) == clean


def test_clean_text_is_not_damaged():
    assert nz.clean_text("  PT.  ÂBADI  ") == "PT. ÂBADI"
    assert nz.clean_text("Café") == "Café"
    assert nz.clean_text("   ") is None


@pytest.mark.parametrize(
    "nik,ok",
    [
        ("1206011503850001", True),
        ("1206025508900002", True),  # woman: day + 40
        ("120601150385000", False),
        ("12060115038500011", False),
        ("12060115O3850001", False),
        ("1206.0115.0385.0001", False),
        ("0906011503850001", False),
        ("1206013213850001", False),
        ("1206011503850000", False),
        (None, False),
    ],
)
def test_nik(nik, ok):
    assert (nz.nik_problem(nik) is None) is ok


@pytest.mark.parametrize(
    "npwp,ok",
    [
        ("01.234.567.8-123.000", True),
        ("0023456789012000", True),
        ("1234", False),
        ("00.000.000.0-000.000", False),
        (None, True),
    ],
)
def test_npwp(npwp, ok):
    assert (nz.npwp_problem(npwp) is None) is ok


def test_mask_keeps_last_four():
    assert nz.mask_identity("1206011503850001") == "************0001"


def test_row_hash_is_stable_and_sensitive():
    a = {"name": "X", "d": datetime.date(2025, 1, 1), "n": 1}
    assert nz.row_hash(a, ("name", "d", "n")) == nz.row_hash(
        dict(a), ("name", "d", "n")
    )
    assert nz.row_hash(a, ("name", "d", "n")) != nz.row_hash(
        dict(a, n=2), ("name", "d", "n")
    )


def test_hash_fold_is_order_independent():
    hashes = [nz.row_hash({"i": i}, ("i",)) for i in range(10)]
    assert nz.hash_fold(hashes) == nz.hash_fold(reversed(hashes))
    assert nz.hash_fold(hashes) != nz.hash_fold(hashes[1:])
