"""Placement per permit type: anchor search, fallback box, preview, and the
box BSrE really stamped (read back from the signed file)."""

import io

import pytest
from PIL import Image
from sicantik_bsre_lib.client import SignatureProperties
from sicantik_bsre_lib.placement import (
    find_anchor,
    page_sizes,
    preview_png,
    resolve,
    signature_boxes,
)
from sicantik_bsre_lib.stamp import Placement, visible_image

from sandbox.sicantik.pdfs import render_permit

from .conftest import ISSUE_NIK, PASSPHRASE, make_pdf

PERMIT = {
    "pendaftaran_id": "0012026",
    "n_perizinan": "IZIN USAHA MIKRO KECIL",
    "no_surat": "503/0001/IUMK/2026",
    "n_pemohon": "Rudi Sembiring",
    "tgl_surat": "2026-11-02",
    "nama_ttd": "Budi Santoso",
    "nip_ttd": "197001011990031001",
}
A4_HEIGHT = 841.89


def sicantik_permit():
    """An SK as the SICANTIK sandbox renders it (reportlab, A4)."""
    return render_permit(PERMIT)


def test_anchor_found_on_the_sicantik_sandbox_permit():
    anchor = find_anchor(sicantik_permit(), "Kepala Dinas")
    # render_permit draws "KEPALA DINAS," at x=330, baseline 190+7*18+56 pt
    # below the top edge (Helvetica 10).
    baseline_from_top = 190 + 7 * 18 + 56
    assert anchor.page == 1
    assert anchor.left == pytest.approx(330, abs=2)
    assert anchor.top < baseline_from_top < anchor.bottom + 3
    assert anchor.bottom - anchor.top < 12
    assert anchor.right - anchor.left > 50  # the whole words, not one glyph


def test_placeholder_on_the_bsre_sandbox_sample_and_last_occurrence():
    data = make_pdf("Kepala Dinas", "${ttd}", pages=3)
    placeholder = find_anchor(data, "${ttd}")
    # pdfsample draws line 2 at (72, height - 72 - 18), 12 pt Helvetica
    assert placeholder.page == 3  # the last page that has it
    assert placeholder.left == pytest.approx(72, abs=1)
    assert placeholder.top < 72 + 18 < placeholder.bottom + 3
    assert find_anchor(data, "tidak ada di dokumen") is None
    assert find_anchor(data, "") is None


def test_box_relative_to_the_anchor_and_kept_on_the_page():
    data = sicantik_permit()
    anchor = find_anchor(data, "KEPALA DINAS,")
    below = resolve(Placement(anchor="kepala dinas,", width=120, height=50), data)
    assert (below.source, below.page) == ("anchor", 1)
    assert below.x == pytest.approx(anchor.left)
    assert below.y == pytest.approx(anchor.bottom)
    shifted = resolve(Placement(anchor="KEPALA DINAS,", dx=10, dy=4), data)
    assert shifted.x == pytest.approx(anchor.left + 10)
    assert shifted.y == pytest.approx(anchor.bottom + 4)
    over = resolve(
        Placement(anchor="KEPALA DINAS,", anchor_mode="over", width=40, height=20),
        data,
    )
    assert over.x + 20 == pytest.approx((anchor.left + anchor.right) / 2)
    assert over.y + 10 == pytest.approx((anchor.top + anchor.bottom) / 2)
    right = resolve(
        Placement(anchor="KEPALA DINAS,", anchor_mode="right", width=400), data
    )
    # 400 pt to the right of x=400 would leave the page: pushed back inside
    assert right.x + right.width == pytest.approx(right.page_width)


def test_fallback_box_when_the_anchor_is_absent():
    data = make_pdf("Surat Izin", pages=2)
    box = resolve(Placement(anchor="${ttd}", page=-1, x=300, y=600), data)
    assert (box.source, box.page, box.x, box.y) == ("box", 2, 300, 600)
    first = resolve(Placement(page=1, x=50, y=60, width=80, height=40), data)
    assert (first.page, first.x, first.y) == (1, 50, 60)
    beyond = resolve(Placement(page=9, x=50, y=60), data)
    assert beyond.page == 2  # a page number past the end means the last page


def test_preview_is_an_image_of_the_page_with_the_box():
    data = sicantik_permit()
    box = resolve(Placement(anchor="KEPALA DINAS,", width=120, height=50), data)
    png = preview_png(data, box, visible_image("https://x/verify/t"))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    width, height = page_sizes(data)[0]
    assert image.width == 600
    assert image.height / image.width == pytest.approx(height / width, rel=0.01)
    scale = image.width / width
    # the outline is red at the box's top-left corner, the page white elsewhere
    corner = image.getpixel((int(box.x * scale) + 1, int(box.y * scale) + 1))
    assert corner[0] > 200 and corner[1] < 80
    assert image.getpixel((5, image.height - 5))[:3] == (255, 255, 255)
    with pytest.raises(ValueError):
        preview_png(b"%PDF-1.4 rusak", box)


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_bsre_stamps_the_resolved_box(version, client, client_v1):
    """Signed by the BSrE sandbox (both API versions): the signature field's
    rectangle is the box resolved from the anchor."""
    data = sicantik_permit()
    box = resolve(Placement(anchor="KEPALA DINAS,", width=120, height=50), data)
    prop = SignatureProperties(
        visible=True,
        image=visible_image("https://x/verify/t"),
        page=box.page,
        x=box.x,
        y=box.y,
        width=box.width,
        height=box.height,
    )
    api = client if version == "v2" else client_v1
    signed = api.sign(data, ISSUE_NIK, PASSPHRASE, prop).files[0]
    (stamped,) = signature_boxes(signed)
    assert stamped.page == box.page
    for name in ("x", "y", "width", "height"):
        assert getattr(stamped, name) == pytest.approx(getattr(box, name), abs=0.5)
    assert signature_boxes(data) == []
