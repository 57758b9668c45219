"""Placement per permit type: the sign step stamps where the type says, the
preview shows it, and a PDF without the anchor falls back to the box."""

import base64
import io

from PIL import Image

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..lib.placement import find_anchor, page_sizes, signature_boxes
from .common import BsreCase


@tagged("post_install", "-at_install")
class TestPlacement(BsreCase):
    def make_placement(self, **values):
        vals = {
            "name": "Template SK",
            "permit_type_ids": [(6, 0, self.ptype.ids)],
            "anchor": "Kepala Dinas",
            "width": 120,
            "height": 50,
            "anchor_dy": 4,
        }
        vals.update(values)
        return self.env["sicantik.stamp.placement"].create(vals)

    def signed_box(self, text):
        permit = self.make_permit()
        document, data = self.make_document(permit, text=text)
        request = self.make_request(document=document)
        self.sign(request)
        self.assertEqual(request.state, "signed", request.error_message)
        (box,) = signature_boxes(self.signed_bytes(request))
        return box, data

    def test_sign_step_uses_the_anchor_of_the_permit_type(self):
        self.make_placement()
        box, data = self.signed_box("Kepala Dinas Penanaman Modal dan PTSP")
        anchor = find_anchor(data, "Kepala Dinas")
        self.assertEqual(box.page, anchor.page)
        self.assertAlmostEqual(box.x, anchor.left, delta=0.5)
        self.assertAlmostEqual(box.y, anchor.bottom + 4, delta=0.5)
        self.assertAlmostEqual(box.width, 120, delta=0.5)
        self.assertAlmostEqual(box.height, 50, delta=0.5)

    def test_box_when_the_pdf_has_no_anchor(self):
        self.make_placement(anchor="${ttd}", page_mode="number", page=1, x=300, y=500)
        box, _data = self.signed_box("Surat Izin tanpa penanda")
        self.assertEqual(box.page, 1)
        self.assertAlmostEqual(box.x, 300, delta=0.5)
        self.assertAlmostEqual(box.y, 500, delta=0.5)

    def test_types_without_placement_keep_the_default(self):
        box, _data = self.signed_box("Surat Izin")
        # settings' default: last page, x=400, y=680, 150 x 75
        self.assertAlmostEqual(box.x, 400, delta=0.5)
        self.assertAlmostEqual(box.y, 680, delta=0.5)
        self.assertAlmostEqual(box.width, 150, delta=0.5)

    def test_preview_from_a_sample_and_from_a_stored_document(self):
        sample = self.sandbox.sample_pdf("KEPALA DINAS,")
        placement = self.make_placement(
            sample_pdf=base64.b64encode(sample), sample_filename="sk.pdf"
        )
        image = Image.open(io.BytesIO(base64.b64decode(placement.preview_image)))
        width, height = page_sizes(sample)[0]
        self.assertEqual(image.format, "PNG")
        self.assertAlmostEqual(image.height / image.width, height / width, 2)
        self.assertEqual(
            placement.preview_note, "Anchor found on page 1; the box follows it."
        )
        # Without a sample: the newest stored original of the permit type.
        placement.write({"sample_pdf": False, "anchor": "tidak ada"})
        self.make_document(self.make_permit(), text="Surat Izin")
        self.assertTrue(placement.preview_image)
        self.assertIn("not found", placement.preview_note)
        placement.permit_type_ids = False
        self.assertFalse(placement.preview_image)

    def test_one_placement_per_type_and_sane_geometry(self):
        self.make_placement()
        with self.assertRaises(ValidationError):
            self.make_placement(name="Kedua")
        with self.assertRaises(ValidationError):
            self.make_placement(permit_type_ids=False, width=0)
        with self.assertRaises(ValidationError):
            self.make_placement(permit_type_ids=False, page_mode="number", page=0)
        officer = self.env["sicantik.stamp.placement"].with_user(self.petugas)
        self.assertTrue(officer.search_count([]))
        self.assertFalse(officer.has_access("write"))
