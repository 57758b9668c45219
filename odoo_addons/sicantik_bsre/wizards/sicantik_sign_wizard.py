"""The official's signing dialog: certificate status first, then the passphrase.

How the passphrase is kept out of the database — and why each piece exists:

1. Odoo's form view saves a dialog (``web_save`` → ``create``/``write``) before
   it calls a button, with *every* edited field in the values.  A plain
   ``fields.Char(password=True)`` on a transient model is therefore written to
   a table row, then to WAL, backups and dumps, before the button even runs.
2. So ``passphrase`` here is **not stored** (computed, always empty, with a
   no-op inverse so the form can edit it), and :meth:`create`/:meth:`write`
   **drop** the key from the values whatever a client sends.
3. The value reaches the server only in the body of one POST to the JSON
   route ``/sicantik_bsre/sign`` (``controllers/main.py``), which calls
   :meth:`_action_sign` with it.  The dialog's "Sign" button is a small OWL
   widget (``static/src/js/sign_button.js``) that reads the field, blanks it in
   the client record, saves the wizard (without the passphrase) and posts.
   Not the generic ``call_kw`` RPC: Odoo logs every ``call_kw`` argument at
   DEBUG (``odoo.api``) — a test caught exactly that — whereas a dedicated
   route's parameters are logged nowhere.  ``_action_sign`` is private, so
   ``call_kw`` cannot reach it at all.  The value then goes straight to the
   BSrE client; it is never put in ``context``, a job, a log line or an
   exception.

The certificate status is fetched when the dialog opens, so an official whose
certificate is not ISSUE is told why (in Indonesian) and never asked for a
passphrase.  The answer is recorded (``sicantik.bsre.certificate``) and reused
by the dialog's save and by the sign step: one BSrE status call per signing.

With API v2 the official may sign with a one-time code instead: "Send OTP"
has BSrE deliver a code for exactly the selected documents (e-mail or the
BeSign app), and the code travels like the passphrase — the same never-stored
field, the same route — to one sign call carrying every document.  "Send OTP"
is a widget too (``sicantik_send_otp_button``): a plain object button would
have the dialog saved first — through ``web_save``, whose ``call_kw``
arguments Odoo logs — with whatever the official had typed in the field (a
passphrase typed before choosing the one-time code).  The widget blanks the
field, saves, then calls :meth:`action_send_otp`.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.sicantik_base.guards import guard

from ..lib.errors import BsreError, CertificateNotActive
from ..models import services

SECRET_FIELDS = ("passphrase",)


class SicantikSignWizard(models.TransientModel):
    _name = "sicantik.sign.wizard"
    _description = "Sign Permit Documents with BSrE"

    request_ids = fields.Many2many(
        "sicantik.signature.request", string="Requests", required=True
    )
    request_count = fields.Integer(compute="_compute_request_count")
    certificate_status = fields.Char(readonly=True)
    certificate_message = fields.Char(readonly=True)
    can_sign = fields.Boolean(readonly=True)
    secret_kind = fields.Selection(
        [("passphrase", "Passphrase"), ("totp", "One-time code (OTP)")],
        string="Sign with",
        default="passphrase",
        required=True,
    )
    # Set with the certificate values, not computed: a computed field without
    # dependencies is not evaluated when the dialog opens (onchange).
    otp_available = fields.Boolean(readonly=True)
    otp_message = fields.Char(readonly=True)
    passphrase = fields.Char(
        compute="_compute_passphrase",
        inverse="_inverse_passphrase",
        store=False,
        readonly=False,
        help="Never stored: sent only as an argument of the signing call.",
    )
    state = fields.Selection(
        [("ready", "Ready"), ("done", "Done")], default="ready", readonly=True
    )
    line_ids = fields.One2many(
        "sicantik.sign.wizard.line", "wizard_id", string="Results", readonly=True
    )
    summary = fields.Char(readonly=True)

    @api.depends("request_ids")
    def _compute_request_count(self):
        for wizard in self:
            wizard.request_count = len(wizard.request_ids)

    def _compute_passphrase(self):
        for wizard in self:
            wizard.passphrase = False

    def _inverse_passphrase(self):
        """Deliberately nothing: the value must not survive the request."""
        return None

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            for name in SECRET_FIELDS:
                vals.pop(name, None)
        wizards = super().create(vals_list)
        wizards._check_certificate()
        return wizards

    def write(self, vals):
        self.check_access("write")  # an empty recordset included
        vals = {k: v for k, v in vals.items() if k not in SECRET_FIELDS}
        return super().write(vals)

    @api.model
    @guard("pejabat")
    def default_get(self, fields_list):
        """Show the certificate status as soon as the dialog opens."""
        values = super().default_get(fields_list)
        if {
            "certificate_status",
            "certificate_message",
            "can_sign",
            "otp_available",
        } & set(fields_list):
            values.update(self._certificate_values())
        return values

    @api.model
    def _certificate_values(self):
        """Ask BSrE for the current user's certificate status (only ISSUE
        signs), and whether a one-time code may replace the passphrase."""
        values = self._certificate_status_values()
        try:
            values["otp_available"] = services.get_client().api_version == "v2"
        except ValueError:  # BSrE not configured: the status says so already
            values["otp_available"] = False
        return values

    @api.model
    def _certificate_status_values(self):
        nik = self.env.user.sudo().bsre_nik
        if not nik:
            return {
                "certificate_status": "-",
                "certificate_message": _(
                    "Your user has no BSrE NIK; ask an administrator."
                ),
                "can_sign": False,
            }
        try:
            # Recorded for the save and the sign step: one call per signing.
            certificates = self.env["sicantik.bsre.certificate"]
            status = certificates._status_of(self.env.user)
        except BsreError as error:
            return {
                "certificate_status": "-",
                "certificate_message": error.message_id,
                "can_sign": False,
            }
        if status.can_sign:
            message = _("The certificate is active (ISSUE); you can sign.")
        else:
            message = CertificateNotActive(status.status).message_id
        return {
            "certificate_status": status.status,
            "certificate_message": message,
            "can_sign": status.can_sign,
        }

    def _check_certificate(self):
        """Re-check on save: the stored flag is what :meth:`_action_sign` trusts
        (the form does not send read-only fields back)."""
        if self:
            self.write(self._certificate_values())
        return True

    @guard("pejabat")
    def action_send_otp(self):
        """Have BSrE send the official a one-time code for these documents
        (the requests' own official only: checked by ``_request_sign_otp``)."""
        self.ensure_one()
        if not self.can_sign:
            raise UserError(self.certificate_message or _("Signing is not possible."))
        answer = self.request_ids._request_sign_otp()
        self.write(
            {
                "secret_kind": "totp",
                "otp_message": _(
                    "BSrE has sent a one-time code for %(count)s document(s) "
                    "to your registered e-mail or BeSign app (%(answer)s). "
                    "Enter it below, then sign.",
                    count=len(self.request_ids),
                    answer=answer or "OK",
                ),
            }
        )
        return self._reopen(_("Sign with BSrE"))

    def _reopen(self, name):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "name": name,
        }

    def _action_sign(self, passphrase=None, totp=None):
        """Sign every request with ``passphrase`` or the one-time code
        ``totp`` (from the route, see above)."""
        self.ensure_one()
        if not self.can_sign:
            raise UserError(self.certificate_message or _("Signing is not possible."))
        if self.secret_kind == "totp":
            passphrase = None
            if not totp:
                raise UserError(_("Enter the one-time code sent by BSrE."))
        else:
            totp = None
            if not passphrase:
                raise UserError(_("Enter your BSrE passphrase."))
        requests = self.request_ids
        results = requests._sign_with_secret(passphrase=passphrase, totp=totp)
        del passphrase, totp
        # Translated labels, in the official's language (the raw selection
        # would show "Signed" on an Indonesian screen).
        state_field = self.env["sicantik.signature.request"]._fields["state"]
        labels = dict(state_field._description_selection(self.env))
        lines = [
            (
                0,
                0,
                {
                    "request_id": request_id,
                    "state": state,
                    "state_label": labels.get(state, state),
                    "message": message,
                },
            )
            for request_id, state, message in results
        ]
        signed = sum(1 for _rid, state, _msg in results if state == "signed")
        self.write(
            {
                "state": "done",
                "line_ids": lines,
                "summary": _(
                    "%(signed)s of %(total)s documents signed.",
                    signed=signed,
                    total=len(results),
                ),
            }
        )
        return self._reopen(_("Signing result"))


class SicantikSignWizardLine(models.TransientModel):
    _name = "sicantik.sign.wizard.line"
    _description = "Signing Result per Document"

    wizard_id = fields.Many2one("sicantik.sign.wizard", ondelete="cascade")
    request_id = fields.Many2one("sicantik.signature.request", readonly=True)
    state = fields.Char(readonly=True)
    state_label = fields.Char(string="Result", readonly=True)
    message = fields.Char(readonly=True)
