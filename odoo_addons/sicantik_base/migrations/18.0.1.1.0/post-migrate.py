"""18.0.1.1.0: attachments to the storage the deployment pins.

An install made before this version kept Odoo's attachments in the
filestore of its one container; with ``sicantik_attachment_location = db``
(the Docker stack, for several Odoo replicas) they move to PostgreSQL here.
Idempotent: attachments already in the pinned storage are not touched.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["ir.attachment"]._move_to_pinned_storage()
