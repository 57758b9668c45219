"""The visible signature: a QR code to the public verification page, optionally
beside the official's specimen, and where to put it on the page.

Why the QR is drawn here and not by BSrE: API v2 has no ``linkQR``
(``docs/reference/bsre.md#qr-code``) — whatever image is sent in
``imageBase64`` is drawn — and the QR must point to *our* verification page,
so the same image is produced for v1 and v2.
(v1 could let the server draw the QR; sending our image keeps both versions
identical, and the client still supports ``link_qr`` for v1.)

Why placement is configuration and not code: every permit template puts the
signature block elsewhere.  A :class:`Placement` is a page and a box (PDF
points, origin top-left as in v2; the client converts for v1), optionally an
anchor text the box is placed relative to when the PDF contains it
(:mod:`.placement` finds it and resolves the box), or a one-character tag that
BSrE finds in the PDF text (``tag_koordinat``; must be exactly one character
since BSrE's upgrade,
``docs/reference/bsre.md#placement``).
"""

import io
from dataclasses import dataclass

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

#: The image is rendered at this height in pixels; BSrE scales it into the box
#: (some servers use the pixel size instead, docs/reference/bsre.md#placement
#: — a square-ish, moderate size keeps both behaviours acceptable).
DEFAULT_HEIGHT_PX = 300


@dataclass(frozen=True)
class Placement:
    """Where the visible signature goes (points; origin at the top-left).

    ``page`` is 1-based, ``-1`` means the last page.  With ``tag`` set, the
    page/x/y are ignored and BSrE centres the box on the tag character.  With
    ``anchor`` set, the box goes ``anchor_mode`` ("below", "over" or "right")
    the anchor text, moved by ``dx, dy``; page/x/y are the fallback when the
    PDF does not contain the text.
    """

    page: int = -1
    x: float = 400.0
    y: float = 680.0
    width: float = 150.0
    height: float = 75.0
    tag: str | None = None
    anchor: str | None = None
    anchor_mode: str = "below"
    dx: float = 0.0
    dy: float = 0.0

    def validate(self):
        if self.tag is not None and len(self.tag) != 1:
            raise ValueError("The placement tag must be exactly one character.")
        if self.anchor is not None and not 0 < len(self.anchor) <= 100:
            raise ValueError("The anchor text must have 1 to 100 characters.")
        if self.anchor_mode not in ("below", "over", "right"):
            raise ValueError("The anchor position must be below, over or right.")
        if self.width <= 0 or self.height <= 0:
            raise ValueError("Width and height must be positive.")
        if self.tag is None and (self.page == 0 or self.page < -1):
            raise ValueError("Page must be 1 or more, or -1 for the last page.")
        if self.x < 0 or self.y < 0:
            raise ValueError("Coordinates cannot be negative.")
        return self

    @classmethod
    def from_config(cls, values):
        """Build from a mapping of strings/numbers (settings, form values)."""

        def num(key, default):
            value = values.get(key)
            return default if value in (None, "", False) else float(value)

        tag = values.get("tag") or None
        return cls(
            page=int(num("page", cls.page)),
            x=num("x", cls.x),
            y=num("y", cls.y),
            width=num("width", cls.width),
            height=num("height", cls.height),
            tag=tag,
            anchor=(values.get("anchor") or "").strip() or None,
            anchor_mode=values.get("anchor_mode") or cls.anchor_mode,
            dx=num("dx", cls.dx),
            dy=num("dy", cls.dy),
        ).validate()


def qr_png(url, box_size=10, border=2):
    """PNG bytes of a QR code (error correction M) encoding ``url``."""
    if not url:
        raise ValueError("The QR code needs a URL.")
    code = qrcode.QRCode(
        error_correction=ERROR_CORRECT_M, box_size=box_size, border=border
    )
    code.add_data(url)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white").convert("RGB")
    return _png(image)


def visible_image(url, specimen=None, caption=None, height_px=DEFAULT_HEIGHT_PX):
    """The QR code, with the specimen to its right and an optional caption.

    ``specimen`` is PNG/JPEG bytes (transparency is flattened on white, since
    JPEG-era servers mishandle alpha).  ``caption`` is one or more short lines
    (e.g. "Ditandatangani secara elektronik oleh ...") drawn under the images.
    """
    qr = Image.open(io.BytesIO(qr_png(url))).convert("RGB")
    qr = qr.resize((height_px, height_px), Image.NEAREST)
    parts = [qr]
    if specimen:
        spec = Image.open(io.BytesIO(specimen))
        spec.load()
        if spec.mode in ("RGBA", "LA", "P"):
            spec = spec.convert("RGBA")
            flat = Image.new("RGB", spec.size, "white")
            flat.paste(spec, mask=spec.split()[-1])
            spec = flat
        spec = spec.convert("RGB")
        ratio = height_px / max(1, spec.height)
        width = max(1, min(int(spec.width * ratio), height_px * 3))
        parts.append(spec.resize((width, height_px), Image.LANCZOS))
    gap = height_px // 15
    width = sum(p.width for p in parts) + gap * (len(parts) - 1)
    lines = [caption] if isinstance(caption, str) else list(caption or [])
    font = ImageFont.load_default()
    line_h = 14
    text_h = (line_h * len(lines) + gap) if lines else 0
    canvas = Image.new("RGB", (width, height_px + text_h), "white")
    left = 0
    for part in parts:
        canvas.paste(part, (left, 0))
        left += part.width + gap
    if lines:
        draw = ImageDraw.Draw(canvas)
        for i, line in enumerate(lines):
            draw.text(
                (2, height_px + gap // 2 + i * line_h), line, fill="black", font=font
            )
    return _png(canvas)


def _png(image):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def pdf_page_sizes(data):
    """``[(width, height), ...]`` of every page in points (MediaBox, inherited).

    Needed to convert v2 top-left coordinates into v1 bottom-left ones and to
    resolve "last page" for v2.  Falls back to one A4 page when the file cannot
    be parsed: the signing server will then reject the file with its own error.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader

    a4 = [(595.0, 842.0)]
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        root = reader.root["/Pages"]
    except Exception:
        return a4
    sizes = []

    def walk(node, box, depth=0):
        if depth > 32:
            return
        box = node.get("/MediaBox", box)
        if "/Kids" in node:
            for kid in node["/Kids"]:
                walk(kid.get_object(), box, depth + 1)
            return
        try:
            llx, lly, urx, ury = (float(v) for v in box)
            sizes.append((abs(urx - llx), abs(ury - lly)))
        except (TypeError, ValueError):
            sizes.append(a4[0])

    try:
        walk(root, None)
    except Exception:
        return a4
    return sizes or a4
