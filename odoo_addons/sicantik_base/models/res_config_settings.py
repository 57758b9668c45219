from odoo import api, fields, models

from odoo.addons.base.models.res_partner import _tz_get

from ..lib import settings as service_settings


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    sicantik_office_name = fields.Char(
        string="Office name",
        config_parameter="sicantik_base.office_name",
        default="DPMPTSP",
        help="Shown on the public verification page and in e-mails to permit "
        "holders.",
    )
    sicantik_source_timezone = fields.Selection(
        _tz_get,
        string="SICANTIK time zone",
        config_parameter="sicantik_base.source_timezone",
        default="Asia/Jakarta",
        help="SICANTIK stores DATETIME values in the office's local time; Odoo "
        "stores UTC. This is the zone used to convert them.",
    )
    sicantik_service_status = fields.Text(
        string="Service configuration",
        compute="_compute_sicantik_service_status",
        help="Read from odoo.conf (sicantik_* keys) and SICANTIK_* environment "
        "variables. Endpoints and secrets are never stored in the database.",
    )

    @api.depends("company_id")
    def _compute_sicantik_service_status(self):
        labels = {
            "mysql": "SICANTIK MySQL",
            "s3": "S3 / MinIO",
            "redis": "Redis",
            "bsre": "BSrE",
        }
        summary = service_settings.service_summary()
        text = "\n".join(f"{labels[k]}: {v}" for k, v in summary.items())
        for record in self:
            record.sicantik_service_status = text
