from odoo import api, fields, models

from odoo.addons.sicantik_base.guards import guard


class SicantikPermit(models.Model):
    """Give every permit its dossier of document versions."""

    _inherit = "sicantik.permit"

    document_ids = fields.One2many(
        "sicantik.document", "permit_id", string="Documents", readonly=True
    )
    document_count = fields.Integer(compute="_compute_document_count")

    @api.depends("document_ids")
    def _compute_document_count(self):
        counts = dict(
            self.env["sicantik.document"]._read_group(
                [("permit_id", "in", self.ids)], ["permit_id"], ["__count"]
            )
        )
        for permit in self:
            permit.document_count = counts.get(permit, 0)

    @guard("petugas", "auditor")
    def action_open_documents(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sicantik_documents.sicantik_document_action"
        )
        action["domain"] = [("permit_id", "=", self.id)]
        action["context"] = {"default_permit_id": self.id}
        return action

    @guard("petugas")
    def action_upload_document(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sicantik.document.upload",
            "view_mode": "form",
            "target": "new",
            "context": {"default_permit_id": self.id},
        }
