from odoo import api, models

from ..lib import settings


class IrConfigParameter(models.Model):
    """Parameters the deployment pins, so no database row can disagree.

    ``web.base.url``: Odoo rewrites it from the Host of the next admin login
    unless ``web.base.url.freeze`` is set; behind the proxy that would put an
    internal address or a plain ``http://`` URL into mails, QR codes and
    redirects.  With ``sicantik_freeze_base_url`` (the Docker stack sets it)
    both come from ``sicantik_public_base_url``, the URL nginx redirects to.

    ``ir_attachment.location``: with ``sicantik_attachment_location`` = ``db``
    (the stack's setting) attachments live in PostgreSQL, never on one Odoo
    replica's disk, whatever a row says.
    """

    _inherit = "ir.config_parameter"

    @api.model
    def _get_param(self, key):
        if key in ("web.base.url", "web.base.url.freeze"):
            public = settings.get("public_base_url")
            if public and settings.get_bool("freeze_base_url", False):
                return public.rstrip("/") if key == "web.base.url" else "True"
        elif key == "ir_attachment.location":
            location = settings.get("attachment_location")
            if location:
                return location
        return super()._get_param(key)
