import logging

from odoo import api, models

from ..lib import settings

_logger = logging.getLogger(__name__)


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    @api.model
    def _move_to_pinned_storage(self):
        """Move every attachment to the storage the deployment pins.

        With ``sicantik_attachment_location`` (the Docker stack: ``db``),
        attachments made before ``sicantik_base`` was loaded (base, web and
        mail install first) or before an office switched to several Odoo
        replicas still sit in one container's filestore.  Odoo's own
        ``force_storage`` rewrites them; the old files are left to Odoo's
        filestore garbage collection.  Returns how many were moved.
        """
        if not settings.get("attachment_location"):
            return 0
        env = self.env(su=True)
        env.flush_all()
        env.cr.execute(
            "SELECT count(*) FROM ir_attachment WHERE store_fname IS NOT NULL"
        )
        before = env.cr.fetchone()[0]
        env["ir.attachment"].force_storage()
        env.flush_all()
        env.cr.execute(
            "SELECT count(*) FROM ir_attachment WHERE store_fname IS NOT NULL"
        )
        moved = before - env.cr.fetchone()[0]
        _logger.info("%s attachment(s) moved to %s", moved, self._storage())
        return moved
