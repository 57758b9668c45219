"""Permit PDFs (SK scans) as an office's upload folder holds them.

Legacy SICANTIK renders SKs on demand; only some deployments keep a PDF per permit
(docs/reference/sicantik.md#files-on-disk).  The sandbox writes both layouts the
companion must handle:

* ``variant_syarat``: ``assets/upload/syarat/<id_perusahaan> <n_perusahaan>/
  <pendaftaran_id> <n_perizinan>.pdf`` (spaces in names, as the variant has them);
* ``izin_flat``: ``assets/upload/izin/<pendaftaran_id>.pdf``.

PDFs come from reportlab with ``invariant=1`` so the bytes depend only on the
data, not on the time of writing.
"""

from __future__ import annotations

import io
from random import Random

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfdoc import PDFStream
from reportlab.pdfgen import canvas

LAYOUT_SYARAT = "variant_syarat"
LAYOUT_FLAT = "izin_flat"


def relative_path(
    layout: str,
    pendaftaran_id: str,
    n_perizinan: str,
    company_id: int | None = None,
    company_name: str | None = None,
) -> str:
    """Path of a permit PDF relative to the upload root, '/'-separated."""
    if layout == LAYOUT_SYARAT:
        return (
            f"assets/upload/syarat/{company_id} {company_name}/"
            f"{pendaftaran_id} {n_perizinan}.pdf"
        )
    return f"assets/upload/izin/{pendaftaran_id}.pdf"


def _latin(text: str | None) -> str:
    """Standard PDF fonts are WinAnsi: replace what they cannot show."""
    if not text:
        return "-"
    return text.encode("cp1252", "replace").decode("cp1252")


def render_permit(info: dict, pad_kb: int = 0, pad_seed: str = "") -> bytes:
    """One-page SK with the permit's data; optionally padded to ~``pad_kb`` KiB.

    Padding is an unreferenced stream object of random bytes: incompressible (so
    storage/transfer benchmarks see real sizes), ignored by every PDF reader, and
    cheap (no image encoding).  It uses reportlab's document object table, the
    only way to add a raw object through its API.
    """
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=0)
    c.setTitle(f"SK {info.get('pendaftaran_id', '')}")
    c.setAuthor("DPMPTSP Kabupaten Karo (SICANTIK sandbox)")
    width, height = A4
    c.setFont("Helvetica-Bold", 13)
    c.drawCentredString(width / 2, height - 60, "PEMERINTAH KABUPATEN KARO")
    c.setFont("Helvetica-Bold", 11)
    c.drawCentredString(
        width / 2, height - 78, "DINAS PENANAMAN MODAL DAN PELAYANAN TERPADU SATU PINTU"
    )
    c.setFont("Helvetica", 9)
    c.drawCentredString(width / 2, height - 92, "JL. PAHLAWAN NO. 1 KABANJAHE")
    c.line(50, height - 100, width - 50, height - 100)
    c.setFont("Helvetica-Bold", 12)
    c.drawCentredString(width / 2, height - 130, _latin(info.get("n_perizinan")))
    c.setFont("Helvetica", 10)
    c.drawCentredString(
        width / 2, height - 146, f"Nomor: {_latin(info.get('no_surat'))}"
    )
    rows = (
        ("Nomor Pendaftaran", info.get("pendaftaran_id")),
        ("Nama Pemohon", info.get("n_pemohon")),
        ("No. Identitas", info.get("no_referensi")),
        ("Nama Perusahaan", info.get("n_perusahaan")),
        ("Lokasi Izin", info.get("a_izin")),
        ("Tanggal Terbit", info.get("tgl_surat")),
        ("Berlaku Sampai", info.get("d_berlaku_izin") or "selama usaha berjalan"),
    )
    y = height - 190
    for label, value in rows:
        c.drawString(70, y, label)
        c.drawString(200, y, ": " + _latin(value))
        y -= 18
    c.drawString(330, y - 40, f"Kabanjahe, {_latin(info.get('tgl_surat'))}")
    c.drawString(330, y - 56, "KEPALA DINAS,")
    c.drawString(330, y - 110, _latin(info.get("nama_ttd")))
    c.drawString(330, y - 124, f"NIP. {_latin(info.get('nip_ttd'))}")
    if pad_kb > 0:
        data = Random(f"pad:{pad_seed}").randbytes(pad_kb * 1024)
        c._doc.Reference(PDFStream(content=data, filters=[]), "SimPadding")
    c.showPage()
    c.save()
    return buf.getvalue()


_NOT_PDF = (
    (
        b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>"
        b"<body><h1>Not Found</h1><p>The requested URL was not found.</p>"
        b"</body></html>\n"
    ),
    b"SK BELUM DISCAN - HUBUNGI LOKET PENYERAHAN\r\n",
)


def not_a_pdf(seed: str) -> bytes:
    """Content an office really finds behind a ``.pdf`` name: HTML, JPEG, DOCX."""
    rng = Random(f"notpdf:{seed}")
    kind = rng.randrange(4)
    if kind < 2:
        return _NOT_PDF[kind]
    body = rng.randbytes(2048)
    if kind == 2:
        return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00" + body + b"\xff\xd9"
    return b"PK\x03\x04\x14\x00\x06\x00" + body
