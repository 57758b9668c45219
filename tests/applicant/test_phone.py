"""Phone numbers typed at the counter → +62 mobile numbers, or a reason."""

import pytest
from sicantik_applicant_lib import phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("081377770001", "+6281377770001"),
        ("0813-7777-0001", "+6281377770001"),
        ("0813 7777 0001", "+6281377770001"),
        ("6281377770001", "+6281377770001"),
        ("+62 813 7777 0001", "+6281377770001"),
        ("+62-813-7777-0001", "+6281377770001"),
        ("(0813) 7777.0001", "+6281377770001"),
        ("+62081377770001", "+6281377770001"),
        ("85270112233", None),
        ("085270112233", "+6285270112233"),
    ],
)
def test_normalize(raw, expected):
    if expected is None:
        with pytest.raises(phone.InvalidPhone):
            phone.normalize(raw)
    else:
        assert phone.normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("", "kosong"),
        (None, "kosong"),
        ("0813 7777 0001 / 0812", "karakter"),
        ("081377770001, 0812", "karakter"),
        ("+6581377770001", "Indonesia"),
        ("0614567890", "seluler"),
        ("08123", "panjang"),
        ("0812345678901234", "panjang"),
        ("telp: 0813", "karakter"),
    ],
)
def test_invalid_numbers_say_why(raw, why):
    with pytest.raises(phone.InvalidPhone) as info:
        phone.normalize(raw)
    assert why in str(info.value)


def test_mask_keeps_prefix_and_last_digits():
    assert phone.mask("+6281377770001") == "+62813****0001"
    assert "7777" not in phone.mask("+6281377770001")
