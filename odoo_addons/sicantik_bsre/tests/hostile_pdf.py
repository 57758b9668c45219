"""Hostile PDFs for the verification tests (plain Python, no Odoo import).

Shared by the Odoo route tests and the pytest suite of ``lib/offline_verify``
(which loads this file directly), so both attack with the same files.
"""

import io
import zlib

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter


def flate_bomb(gib=1):
    """A ~2 KB PDF whose cross-reference stream inflates to ``gib`` GiB.

    Two Flate passes (``/Filter [/FlateDecode /FlateDecode]``): the outer one
    inflates to ~1 MB of deflated zeros, the inner one to the gigabytes.  Any
    reader decodes the cross-reference stream before anything else.
    """
    deflate = zlib.compressobj(9)
    zeros = bytes(16 * 1024 * 1024)
    inner = b"".join(deflate.compress(zeros) for _ in range(gib * 64))
    outer = zlib.compress(inner + deflate.flush(), 9)
    out = bytearray(b"%PDF-1.7\n")
    for number, body in (
        (1, b"<< /Type /Catalog /Pages 2 0 R >>"),
        (2, b"<< /Type /Pages /Kids [] /Count 0 >>"),
    ):
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += (
        b"3 0 obj\n<< /Type /XRef /Size 4 /W [1 4 2] /Root 1 0 R "
        b"/Filter [/FlateDecode /FlateDecode] /Length %d >>\nstream\n" % len(outer)
    )
    out += outer + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def with_signature_fields(signed, count):
    """``signed`` plus ``count`` signature fields that all carry its signature.

    Cheap to make, expensive to check: each field is one more certificate path
    validation for a naive verifier.
    """
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    form = writer.root["/AcroForm"]
    first = form["/Fields"][0]
    signature = first.get_object().raw_get("/V")
    fields = generic.ArrayObject(list(form["/Fields"]))
    for index in range(count):
        field = generic.DictionaryObject(
            {
                generic.NameObject("/FT"): generic.NameObject("/Sig"),
                generic.NameObject("/T"): generic.TextStringObject(f"Sig{index}"),
                generic.NameObject("/V"): signature,
            }
        )
        fields.append(writer.add_object(field))
    form[generic.NameObject("/Fields")] = fields
    writer.update_container(form)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
