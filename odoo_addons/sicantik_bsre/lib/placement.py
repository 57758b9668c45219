"""Where the visible signature lands on one PDF, and a picture of it.

Why the anchor is found here and not by BSrE's ``tag_koordinat``: BSrE only
accepts a single character (``docs/reference/bsre.md#placement``) and estimates
its position, while permit templates name the signature block with words
("KEPALA DINAS,", a ``${ttd}`` placeholder). PDFium (``pypdfium2``) gives the
exact glyph boxes of any text, so the box is computed here and sent to BSrE as
a page and coordinates, which both API versions accept. When the text is absent
(a scanned SK, another template) the configured box is used: a document is
never refused for a missing anchor.

Coordinates are PDF points with the origin at the page's top-left and ``x, y``
the box's top-left corner, the convention of :class:`.stamp.Placement` and of
API v2; pages are 1-based.
"""

import io
from dataclasses import dataclass

import pypdfium2 as pdfium
from PIL import Image, ImageDraw

#: Where the box goes relative to the anchor text.
ANCHOR_MODES = ("below", "over", "right")
#: Width of the preview image in pixels.
PREVIEW_WIDTH_PX = 600


@dataclass(frozen=True)
class Box:
    """The resolved box on one page; ``source`` is ``"anchor"`` or ``"box"``."""

    page: int
    x: float
    y: float
    width: float
    height: float
    source: str = "box"
    page_width: float = 595.0
    page_height: float = 842.0


@dataclass(frozen=True)
class Anchor:
    """A found text: page (1-based) and its bounding box (top-left origin)."""

    page: int
    left: float
    top: float
    right: float
    bottom: float


def _open(data):
    try:
        return pdfium.PdfDocument(bytes(data))
    except pdfium.PdfiumError as exc:
        raise ValueError(f"not a readable PDF ({exc})") from None


def page_sizes(data):
    """``[(width, height), ...]`` in points, as PDFium sees the pages."""
    pdf = _open(data)
    try:
        return [tuple(pdf[i].get_size()) for i in range(len(pdf))]
    finally:
        pdf.close()


def find_anchor(data, text):
    """The **last** occurrence of ``text`` (case-insensitive), or ``None``.

    The last one because the signature block closes the letter: the same
    words ("Kepala Dinas") may appear earlier in the body or the letterhead.
    """
    text = (text or "").strip()
    if not text:
        return None
    pdf = _open(data)
    try:
        for index in reversed(range(len(pdf))):
            page = pdf[index]
            height = page.get_height()
            textpage = page.get_textpage()
            searcher = textpage.search(text, match_case=False)
            hit = last = None
            rects = []
            while (hit := searcher.get_next()) is not None:
                last = hit
            if last is not None:
                start, count = last
                rects = [
                    textpage.get_rect(i)
                    for i in range(textpage.count_rects(start, count))
                ]
            searcher.close()
            textpage.close()
            page.close()
            if rects:
                return Anchor(
                    page=index + 1,
                    left=min(r[0] for r in rects),
                    top=height - max(r[3] for r in rects),
                    right=max(r[2] for r in rects),
                    bottom=height - min(r[1] for r in rects),
                )
        return None
    finally:
        pdf.close()


def resolve(placement, data):
    """The :class:`Box` where ``placement`` (a :class:`.stamp.Placement`)
    puts the signature on ``data``: relative to its anchor text when the PDF
    has it, else the configured page and box.  Kept inside the page."""
    sizes = page_sizes(data) or [(595.0, 842.0)]
    anchor = find_anchor(data, placement.anchor) if placement.anchor else None
    width, height = placement.width, placement.height
    if anchor:
        page = anchor.page
        mode = placement.anchor_mode
        middle = (anchor.top + anchor.bottom) / 2
        if mode == "over":
            x = (anchor.left + anchor.right) / 2 - width / 2
            y = middle - height / 2
        elif mode == "right":
            x, y = anchor.right, middle - height / 2
        else:  # below
            x, y = anchor.left, anchor.bottom
        x += placement.dx
        y += placement.dy
        source = "anchor"
    else:
        page = len(sizes) if placement.page == -1 else min(placement.page, len(sizes))
        x, y, source = placement.x, placement.y, "box"
    page_width, page_height = sizes[page - 1]
    x = min(max(x, 0.0), max(page_width - width, 0.0))
    y = min(max(y, 0.0), max(page_height - height, 0.0))
    return Box(page, x, y, width, height, source, page_width, page_height)


def preview_png(data, box, image=None, width_px=PREVIEW_WIDTH_PX):
    """PNG of the box's page with the box outlined (and ``image``, the
    visible signature, drawn in it): what the official's stamp will cover."""
    pdf = _open(data)
    try:
        page = pdf[box.page - 1]
        scale = width_px / box.page_width
        bitmap = page.render(scale=scale)
        canvas = bitmap.to_pil().convert("RGB")
        bitmap.close()
        page.close()
    finally:
        pdf.close()
    left, top = box.x * scale, box.y * scale
    right, bottom = (box.x + box.width) * scale, (box.y + box.height) * scale
    if image:
        stamp = Image.open(io.BytesIO(image)).convert("RGB")
        stamp.thumbnail((max(1, int(right - left)), max(1, int(bottom - top))))
        canvas.paste(stamp, (int(left), int(top)))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((left, top, right, bottom), outline=(220, 38, 38), width=3)
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=True)
    return out.getvalue()


def signature_boxes(data):
    """The visible signature fields of a signed PDF as :class:`Box` es.

    What BSrE actually did, to compare with what was asked: servers differ in
    how they read coordinates (``docs/reference/bsre.md#placement``: some use
    the image's pixel size), so the placement is checked on the signed file,
    not assumed.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    count = int(reader.root["/Pages"]["/Count"])
    pages = {}
    for index in range(count):
        ref, _ = reader.find_page_for_modification(index)
        pages[ref.idnum] = index
    sizes = page_sizes(data)
    boxes = []
    for signature in reader.embedded_signatures:
        field = signature.sig_field
        page_ref = field.raw_get("/P") if "/P" in field else None
        index = pages.get(getattr(page_ref, "idnum", None), 0)
        llx, lly, urx, ury = (float(v) for v in field["/Rect"])
        page_width, page_height = sizes[index]
        if urx - llx <= 0 or ury - lly <= 0:
            continue  # an invisible signature
        boxes.append(
            Box(
                page=index + 1,
                x=min(llx, urx),
                y=page_height - max(lly, ury),
                width=abs(urx - llx),
                height=abs(ury - lly),
                source="signature",
                page_width=page_width,
                page_height=page_height,
            )
        )
    return boxes
