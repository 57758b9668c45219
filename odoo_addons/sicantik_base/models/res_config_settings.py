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
        "stores UTC. This is the zone used to convert them (sync, SLA, public "
        "page). A deployment setting sicantik_timezone takes precedence.",
    )
    sicantik_timezone_origin = fields.Char(
        string="Time zone set by",
        compute="_compute_sicantik_service_status",
        help="The zone and its source when the deployment (environment or "
        "odoo.conf) provides the time zone: it is used instead of the choice "
        "above, which is then read-only here.",
    )
    sicantik_deployment_settings = fields.Text(
        string="Deployment settings",
        compute="_compute_sicantik_service_status",
        help="Every sicantik_* setting provided by the environment or odoo.conf, "
        "with where it comes from. Secrets are never shown.",
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
        deployment = "\n".join(
            f"{name} = {value}  [{origin}]"
            for name, value, origin in service_settings.deployment_settings()
        )
        origin = service_settings.SETTINGS.origin("timezone")
        if origin:
            # the deployment's zone wins over the one stored here (read-only)
            origin = self.env._(
                "Set by the deployment: %(zone)s, from %(origin)s",
                zone=service_settings.timezone(),
                origin=origin,
            )
        for record in self:
            record.sicantik_service_status = text
            record.sicantik_deployment_settings = deployment
            record.sicantik_timezone_origin = origin or False
