"""The words a delegated signature carries (``lib/delegation.py``)."""

import pytest
from sicantik_bsre_lib import delegation as wording

HEAD = "Kepala Dinas Penanaman Modal dan PTSP"


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("an", f"a.n. {HEAD}"), ("plt", f"Plt. {HEAD}"), ("plh", f"Plh. {HEAD}")],
)
def test_office_line(kind, expected):
    assert wording.office_line(kind, HEAD, "Budi Santoso") == expected


def test_office_line_falls_back_to_the_name_and_refuses_nothing():
    assert wording.office_line("plt", "", "Budi Santoso") == "Plt. Budi Santoso"
    with pytest.raises(ValueError):
        wording.office_line("plt", " ", None)
    with pytest.raises(ValueError):
        wording.office_line("wakil", HEAD, "Budi")


def test_signer_line_an_keeps_the_signer_position():
    line = wording.signer_line("an", HEAD, "Budi", "Dewi Lestari", "Sekretaris Dinas")
    assert line == f"Dewi Lestari, Sekretaris Dinas, a.n. {HEAD}"
    # Plt./Plh. sign as the office itself: their own position is not shown.
    line = wording.signer_line("plt", HEAD, "Budi", "Dewi Lestari", "Sekretaris Dinas")
    assert line == f"Dewi Lestari, Plt. {HEAD}"


def test_reason_text():
    base = "Dokumen ditandatangani secara elektronik"
    assert wording.reason_text(base, None) == base
    assert wording.reason_text(base, "X, Plt. Y") == f"{base} (X, Plt. Y)"
    assert wording.reason_text("", "X, Plt. Y") == "X, Plt. Y"
    assert wording.reason_text(None, None) is None
