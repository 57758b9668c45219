import pytest

from .conftest import masking

NIK = "3201234567890123"


def test_nik_keeps_last_four():
    assert masking.mask({"nik": NIK}) == {"nik": "************0123"}
    assert masking.mask({"NIK Pemohon": int(NIK)})["NIK Pemohon"] == (
        "************0123"
    )


@pytest.mark.parametrize(
    "key,value,expected",
    [
        ("npwp", "01.234.567.8-901.000", "***********1000"),
        ("no_referensi", "REF-2026-000123", "******0123"),
        ("phone", "+62 812-3456-7890", "*********7890"),
        ("email", "budi.santoso@example.go.id", "b***@example.go.id"),
        ("password", "hunter2", "[redacted]"),
        ("bsre_passphrase", "rahasia", "[redacted]"),
        ("Authorization", "Basic abc", "[redacted]"),
    ],
)
def test_keys_masked_sensibly(key, value, expected):
    assert masking.mask({key: value})[key] == expected


def test_nik_in_free_text_and_nested():
    details = {
        "note": f"pemohon {NIK} datang",
        "items": [{"nik": NIK}, f"x{NIK}"],
        "count": 3,
        "ok": True,
    }
    masked = masking.mask(details)
    assert masked["note"] == "pemohon ************0123 datang"
    assert masked["items"][0]["nik"] == "************0123"
    assert NIK not in str(masked)
    assert masked["count"] == 3 and masked["ok"] is True


def test_idempotent_and_short_numbers_untouched():
    once = masking.mask({"nik": NIK, "text": f"{NIK} 12345"})
    assert masking.mask(once) == once
    assert masking.mask_text("permit 2026/123 of 17 digits 12345678901234567") == (
        "permit 2026/123 of 17 digits 12345678901234567"
    )


def test_non_dict_details():
    assert masking.mask(None) == {}
    assert masking.mask(NIK) == {"value": "************0123"}
