from . import controllers
from . import models
from .http_session import install_session_store


def post_load():
    install_session_store()


def post_init_hook(env):
    # base, web and mail stored their attachments before this addon pinned
    # the storage (ir_attachment.location): move them now.
    env["ir.attachment"]._move_to_pinned_storage()
