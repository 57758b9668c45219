"""Where the visible signature goes, per permit type, with a preview.

Why per permit type: each type has its own SK template, so one office-wide
box (the settings' default, still used for types without a placement) lands
on text for some of them.  A placement names a page and a box, or an anchor
text ("KEPALA DINAS,", "${ttd}") the box is placed relative to; the box is the
fallback when a PDF does not contain the anchor (``lib/placement.py``).

The preview is computed on the server from a sample: an uploaded PDF, else the
newest stored original of one of the placement's permit types.  It draws the
real visible signature (QR code to a sample page) where the sign step would
put it, so an administrator sees the result before an official signs.
"""

import base64
import logging

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import placement as placement_lib
from ..lib import stamp
from . import services

_logger = logging.getLogger(__name__)

ANCHOR_MODES = [
    ("below", "Below the text"),
    ("over", "Over the text (centred)"),
    ("right", "Right of the text"),
]


class SicantikStampPlacement(models.Model):
    _name = "sicantik.stamp.placement"
    _description = "Signature Placement per Permit Type"
    _order = "name, id"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    permit_type_ids = fields.Many2many(
        "sicantik.permit.type",
        "sicantik_stamp_placement_permit_type_rel",
        "placement_id",
        "permit_type_id",
        string="Permit Types",
        help="The permit types whose documents are stamped here (one placement "
        "per permit type).",
    )
    page_mode = fields.Selection(
        [("last", "Last page"), ("number", "Page number")],
        string="Page",
        default="last",
        required=True,
    )
    page = fields.Integer(string="Page Number", default=1)
    x = fields.Float(string="X (pt)", default=stamp.Placement.x)
    y = fields.Float(
        string="Y (pt)",
        default=stamp.Placement.y,
        help="From the top of the page, in PDF points (1/72 inch).",
    )
    width = fields.Float(string="Width (pt)", default=stamp.Placement.width)
    height = fields.Float(string="Height (pt)", default=stamp.Placement.height)
    anchor = fields.Char(
        string="Anchor Text",
        help='Text of the signature block, e.g. "KEPALA DINAS," or "${ttd}" '
        "(case-insensitive, last occurrence). When the PDF contains it the box "
        "is placed relative to it; otherwise the page and box above are used.",
    )
    anchor_mode = fields.Selection(
        ANCHOR_MODES, string="Position", default="below", required=True
    )
    anchor_dx = fields.Float(string="Shift Right (pt)")
    anchor_dy = fields.Float(string="Shift Down (pt)")
    sample_pdf = fields.Binary(
        string="Sample PDF",
        attachment=True,
        help="A PDF of this template for the preview. Without it the newest "
        "stored original of one of the permit types is used.",
    )
    sample_filename = fields.Char()
    preview_image = fields.Binary(
        string="Preview", compute="_compute_preview", attachment=False
    )
    preview_note = fields.Char(string="Preview Result", compute="_compute_preview")

    # ------------------------------------------------------------- checks
    @api.constrains("page_mode", "page", "x", "y", "width", "height", "anchor")
    def _check_geometry(self):
        for record in self:
            if record.page_mode == "number" and record.page < 1:
                raise ValidationError(_("The page number starts at 1."))
            try:
                record._placement()
            except ValueError:
                raise ValidationError(
                    _(
                        "Width and height must be positive, coordinates not "
                        "negative, and the anchor text at most 100 characters."
                    )
                ) from None

    @api.constrains("permit_type_ids", "active")
    def _check_one_per_type(self):
        for record in self.filtered("active"):
            clash = self.search(
                [
                    ("id", "!=", record.id),
                    ("permit_type_ids", "in", record.permit_type_ids.ids),
                ],
                limit=1,
            )
            if clash:
                shared = record.permit_type_ids & clash.permit_type_ids
                raise ValidationError(
                    _(
                        "%(type)s already has a signature placement (%(other)s).",
                        type=shared[0].display_name,
                        other=clash.name,
                    )
                )

    # ------------------------------------------------------------ helpers
    def _placement(self):
        self.ensure_one()
        return stamp.Placement(
            page=-1 if self.page_mode == "last" else self.page,
            x=self.x,
            y=self.y,
            width=self.width,
            height=self.height,
            anchor=(self.anchor or "").strip() or None,
            anchor_mode=self.anchor_mode,
            dx=self.anchor_dx,
            dy=self.anchor_dy,
        ).validate()

    @api.model
    def _default_placement(self):
        """The office-wide placement of the settings (types without one)."""
        env = self.env
        return stamp.Placement.from_config(
            {
                name: services.param(env, "qr_" + name)
                for name in ("page", "x", "y", "width", "height", "tag")
            }
        )

    @api.model
    def _placement_for(self, permit_type, data):
        """The :class:`~..lib.stamp.Placement` to sign ``data`` (a document of
        ``permit_type``) with: the type's placement with its anchor resolved
        to a page and box, else the settings' default."""
        record = self.sudo().search(
            [("permit_type_ids", "in", permit_type.ids)], limit=1
        )
        if not record:
            return self._default_placement()
        placement = record._placement()
        if not placement.anchor:
            return placement
        box = placement_lib.resolve(placement, data() if callable(data) else data)
        return stamp.Placement(
            page=box.page, x=box.x, y=box.y, width=box.width, height=box.height
        )

    def _sample_bytes(self):
        self.ensure_one()
        if self.sample_pdf:
            return base64.b64decode(self.sample_pdf)
        types = self.permit_type_ids
        if not types:
            return None
        document = (
            self.env["sicantik.document"]
            .sudo()
            .search(
                [
                    ("permit_id.permit_type_id", "in", types.ids),
                    ("kind", "=", "original"),
                    ("state", "=", "stored"),
                ],
                order="id desc",
                limit=1,
            )
        )
        return b"".join(document._stream()) if document else None

    @api.depends(
        "sample_pdf",
        "permit_type_ids",
        "page_mode",
        "page",
        "x",
        "y",
        "width",
        "height",
        "anchor",
        "anchor_mode",
        "anchor_dx",
        "anchor_dy",
    )
    def _compute_preview(self):
        for record in self:
            record.preview_image = False
            try:
                data = record._sample_bytes()
                if not data:
                    record.preview_note = _(
                        "Upload a sample PDF or choose a permit type with a "
                        "stored document to see a preview."
                    )
                    continue
                placement = record._placement()
                box = placement_lib.resolve(placement, data)
                image = stamp.visible_image(
                    services.public_base_url(self.env) + "/verify/preview"
                )
                record.preview_image = base64.b64encode(
                    placement_lib.preview_png(data, box, image)
                )
            except ValueError as exc:
                record.preview_note = _("No preview: %(error)s", error=exc)
                continue
            except Exception:  # S3 or PDFium trouble: a form must still open
                _logger.warning("placement preview failed", exc_info=True)
                record.preview_note = _("No preview: the sample could not be read.")
                continue
            if box.source == "anchor":
                record.preview_note = _(
                    "Anchor found on page %(page)s; the box follows it.",
                    page=box.page,
                )
            elif placement.anchor:
                record.preview_note = _(
                    "Anchor not found in the sample: the box on page %(page)s "
                    "is used.",
                    page=box.page,
                )
            else:
                record.preview_note = _(
                    "Box on page %(page)s of %(pages)s.",
                    page=box.page,
                    pages=len(placement_lib.page_sizes(data)),
                )
