from odoo import fields, models

EVENT_TYPES = [
    ("signed", "Permit Signed"),
    ("expiry", "Expiry Reminder"),
    ("status", "Status Change"),
]


class SicantikWhatsappTemplate(models.Model):
    """A WhatsApp text per event, editable by SICANTIK administrators.

    ``body`` uses ``{placeholder}`` names (listed on the form); the generic
    gateway sends the rendered text.  The Cloud API only sends templates
    Meta approved, by name: ``cloud_template_name`` names it, and the body's
    placeholders, in order, are its parameters.
    """

    _name = "sicantik.whatsapp.template"
    _description = "SICANTIK WhatsApp Template"
    _order = "event_type, id"

    name = fields.Char(required=True)
    event_type = fields.Selection(EVENT_TYPES, required=True, index=True)
    body = fields.Text(required=True)
    cloud_template_name = fields.Char(
        string="Cloud API Template",
        help="Name of the template approved by Meta (WhatsApp Business Cloud "
        "API); its parameters are the body's placeholders in order.",
    )
    active = fields.Boolean(default=True)

    def _for_event(self, event_type):
        return self.sudo().search([("event_type", "=", event_type)], limit=1)
