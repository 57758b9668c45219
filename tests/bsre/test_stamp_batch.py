"""Visible-signature image and placement; batch signing through the sandbox."""

import io

import pytest
from PIL import Image
from sicantik_bsre_lib import errors
from sicantik_bsre_lib.batch import chunked, sign_batch
from sicantik_bsre_lib.client import SignatureProperties
from sicantik_bsre_lib.offline_verify import verify_pdf
from sicantik_bsre_lib.stamp import Placement, pdf_page_sizes, qr_png, visible_image

from .conftest import ISSUE_NIK, PASSPHRASE, make_pdf


def _png(data):
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image


def test_qr_and_specimen_image():
    qr = _png(qr_png("https://izin.example.go.id/verify/abc"))
    assert qr.width == qr.height
    specimen = Image.new("RGBA", (400, 100), (0, 0, 255, 128))
    buffer = io.BytesIO()
    specimen.save(buffer, format="PNG")
    combined = _png(
        visible_image(
            "https://izin.example.go.id/verify/abc",
            specimen=buffer.getvalue(),
            caption=["Ditandatangani secara elektronik", "oleh Budi Santoso"],
            height_px=200,
        )
    )
    # QR (200) + gap (13) + specimen scaled to 200 px high, width capped at 3x.
    assert combined.width == 200 + 13 + 600 and combined.height > 200
    with pytest.raises(ValueError):
        qr_png("")


def test_placement_validation():
    assert Placement.from_config({"page": "2", "x": "10", "tag": ""}).page == 2
    assert Placement.from_config({"tag": "#"}).tag == "#"
    for bad in ({"tag": "${ttd}"}, {"width": "0"}, {"page": "0"}, {"x": "-5"}):
        with pytest.raises(ValueError):
            Placement.from_config(bad)


def test_v1_coordinates_are_converted_to_bottom_left():
    prop = SignatureProperties(
        visible=True, link_qr="https://x", page=2, x=50, y=100, width=80, height=40
    )
    fields, files = prop.to_v1([842.0, 600.0])
    assert fields["page"] == "2" and fields["image"] == "false"
    assert fields["xAxis"] == "50" and fields["yAxis"] == str(600 - 100 - 40)
    assert not files
    v2 = SignatureProperties(
        visible=True, image=b"png", page=-1, x=50, y=100, width=80, height=40
    ).to_v2(page_count=3)
    assert v2["page"] == 3 and v2["originY"] == 100.0 and v2["tampilan"] == "VISIBLE"


def test_pdf_page_sizes():
    assert pdf_page_sizes(make_pdf("a", pages=3)) == [(595.0, 842.0)] * 3
    assert pdf_page_sizes(b"garbage") == [(595.0, 842.0)]


def test_chunked():
    assert chunked(list(range(7)), 3) == [[0, 1, 2], [3, 4, 5], [6]]


def test_batch_signs_everything_in_chunks(client, admin, trust_roots):
    items = [(f"doc{i}", make_pdf(f"Izin {i}")) for i in range(7)]
    prop = SignatureProperties(
        visible=True, image=visible_image("https://x/verify/t"), page=1, x=10, y=10
    )
    results = list(
        sign_batch(client, items, ISSUE_NIK, PASSPHRASE, prop, chunk_size=3, workers=3)
    )
    assert sorted(r.key for r in results) == sorted(k for k, _ in items)
    assert {r.state for r in results} == {"signed"}
    by_key = dict(items)
    for result in results:
        assert result.signed.startswith(by_key[result.key])
        assert verify_pdf(result.signed, trust_roots).valid
    assert len(admin.log(endpoint="v2.sign")) == 3


def test_batch_partial_failure_and_unknown(client, admin):
    # One chunk answers 500 (nothing signed), one is dropped after signing.
    admin.faults(fail_next={"v2.sign": 1})
    items = [(i, make_pdf(f"P{i}")) for i in range(6)]
    first = list(
        sign_batch(client, items, ISSUE_NIK, PASSPHRASE, chunk_size=2, workers=1)
    )
    states = [r.state for r in sorted(first, key=lambda r: r.key)]
    assert states.count("failed") == 2 and states.count("signed") == 4
    admin.reset()
    admin.faults(drop_next={"v2.sign": 1})
    second = list(
        sign_batch(client, items, ISSUE_NIK, PASSPHRASE, chunk_size=2, workers=1)
    )
    unknown = [r for r in second if r.state == "outcome_unknown"]
    assert len(unknown) == 2
    assert all(isinstance(r.error, errors.OutcomeUnknown) for r in unknown)
    assert len(admin.log(endpoint="v2.sign", signed="True")) == 3


def test_batch_stops_on_wrong_passphrase(client, admin):
    items = [(i, make_pdf(f"W{i}")) for i in range(10)]
    results = list(
        sign_batch(client, items, ISSUE_NIK, "salah", chunk_size=2, workers=1)
    )
    assert [r.state for r in results[:2]] == ["failed", "failed"]
    assert {r.state for r in results[2:]} == {"skipped"}
    assert isinstance(results[0].error, errors.WrongPassphrase)
    assert len(admin.log(endpoint="v2.sign")) == 1


def test_batch_v1_one_file_per_call(client_v1, admin):
    items = [(i, make_pdf(f"V{i}")) for i in range(3)]
    results = list(sign_batch(client_v1, items, ISSUE_NIK, PASSPHRASE, workers=3))
    assert {r.state for r in results} == {"signed"}
    assert all(r.id_dokumen for r in results)
    assert len(admin.log(endpoint="v1.sign")) == 3
