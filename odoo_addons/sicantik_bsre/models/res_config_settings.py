from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib.stamp import Placement


class ResConfigSettings(models.TransientModel):
    """Non-secret signing options (the BSrE endpoint and credentials are not here:
    they come from odoo.conf / the environment)."""

    _inherit = "res.config.settings"

    sicantik_bsre_qr_page = fields.Integer(
        string="QR page",
        config_parameter="sicantik_bsre.qr_page",
        default=-1,
        help="1 = first page; -1 = last page.",
    )
    sicantik_bsre_qr_x = fields.Float(
        string="QR left (pt)", config_parameter="sicantik_bsre.qr_x", default=400
    )
    sicantik_bsre_qr_y = fields.Float(
        string="QR top (pt)",
        config_parameter="sicantik_bsre.qr_y",
        default=680,
        help="Distance from the top edge of the page, in PDF points.",
    )
    sicantik_bsre_qr_width = fields.Float(
        string="QR width (pt)", config_parameter="sicantik_bsre.qr_width", default=150
    )
    sicantik_bsre_qr_height = fields.Float(
        string="QR height (pt)", config_parameter="sicantik_bsre.qr_height", default=75
    )
    sicantik_bsre_qr_tag = fields.Char(
        string="Placement tag",
        config_parameter="sicantik_bsre.qr_tag",
        help="One character printed in the permit template (e.g. #); when set, "
        "BSrE places the signature there instead of at the coordinates.",
    )
    sicantik_bsre_verify_rate_limit = fields.Integer(
        string="Verifications per minute per visitor",
        config_parameter="sicantik_bsre.verify_rate_limit",
        default=30,
    )

    @api.constrains(
        "sicantik_bsre_qr_page",
        "sicantik_bsre_qr_width",
        "sicantik_bsre_qr_height",
        "sicantik_bsre_qr_tag",
    )
    def _check_sicantik_bsre_placement(self):
        for settings in self:
            try:
                Placement(
                    page=settings.sicantik_bsre_qr_page,
                    x=settings.sicantik_bsre_qr_x,
                    y=settings.sicantik_bsre_qr_y,
                    width=settings.sicantik_bsre_qr_width,
                    height=settings.sicantik_bsre_qr_height,
                    tag=settings.sicantik_bsre_qr_tag or None,
                ).validate()
            except ValueError as exc:
                raise ValidationError(str(exc)) from None
