from odoo import _, fields, models

from odoo.addons.sicantik_base.guards import guard


class SicantikApplicant(models.Model):
    """Consent and opt-out of an applicant, kept beside the mirror.

    The sync writes only SICANTIK's own columns, so these survive every
    cycle.  WhatsApp needs explicit consent (recorded by an officer, who saw
    it on the form or the counter); e-mail goes out unless opted out.
    """

    _inherit = "sicantik.applicant"

    whatsapp_consent = fields.Boolean(string="WhatsApp Consent", readonly=True)
    whatsapp_consent_date = fields.Datetime(
        string="WhatsApp Consent Recorded On", readonly=True
    )
    whatsapp_opt_out = fields.Boolean(string="WhatsApp Opt-out", readonly=True)
    email_opt_out = fields.Boolean(string="E-mail Opt-out", readonly=True)
    applicant_message_ids = fields.One2many(
        "sicantik.applicant.message", "applicant_id", string="Notifications"
    )

    def _set_preferences(self, values, action):
        # the caller's record rules (units) decide whose preference it sets
        self.check_access("read")
        self.sudo().write(values)
        for applicant in self:
            self.env["sicantik.audit.event"].log(
                action,
                summary=_("Notification preference of %(name)s", name=applicant.name),
                record=applicant,
                details={k: bool(v) for k, v in values.items()},
            )
        return True

    @guard("petugas", "admin")
    def action_whatsapp_consent(self):
        """Button: the applicant agreed to WhatsApp messages."""
        return self._set_preferences(
            {
                "whatsapp_consent": True,
                "whatsapp_opt_out": False,
                "whatsapp_consent_date": fields.Datetime.now(),
            },
            "applicant.consent",
        )

    @guard("petugas", "admin")
    def action_whatsapp_opt_out(self):
        """Button: the applicant wants no more WhatsApp messages."""
        return self._set_preferences(
            {"whatsapp_opt_out": True, "whatsapp_consent": False},
            "applicant.opt_out",
        )

    @guard("petugas", "admin")
    def action_email_opt_out(self):
        """Button: the applicant wants no more e-mails from the office."""
        return self._set_preferences({"email_opt_out": True}, "applicant.opt_out")
