"""Tiny dependency-free PDF writer for sample documents.

Why: tests (ours and the client's) need small, valid, predictable PDFs whose
text is stored uncompressed, so a test can locate a word in the signed bytes
and flip it to simulate tampering, or print a ``#`` placeholder for
``tag_koordinat``. Served at ``GET /_sandbox/sample.pdf`` as well.
"""

from __future__ import annotations

A4 = (595, 842)


def _escape(text: str) -> bytes:
    raw = text.encode("latin-1", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def make_pdf(pages: list[list[str]] | None = None, size=A4) -> bytes:
    """Build a PDF with one page per entry, each a list of text lines.

    Lines are drawn in Helvetica 12 from (72, height-72) downwards, 18 pt
    apart, so a caller knows roughly where a placeholder lands.
    """
    pages = pages or [["Dokumen contoh SICANTIK"]]
    width, height = size
    objects: list[bytes] = []
    n_pages = len(pages)
    font_id = 3
    first_page_id = 4
    kids = " ".join(f"{first_page_id + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(
        f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} "
        f"/MediaBox [0 0 {width} {height}] >>".encode()
    )
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, lines in enumerate(pages):
        content_id = first_page_id + 2 * i + 1
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 {font_id} 0 R"
            f" >> >> /Contents {content_id} 0 R >>".encode()
        )
        ops = [b"BT /F1 12 Tf"]
        y = height - 72
        for line in lines:
            ops.append(b"1 0 0 1 72 %d Tm (%s) Tj" % (y, _escape(line)))
            y -= 18
        ops.append(b"ET")
        stream = b"\n".join(ops)
        objects.append(
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
        )
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (num, body)
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return bytes(out)
