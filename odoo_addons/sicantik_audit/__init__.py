from . import models
from . import cli


def uninstall_hook(env):
    """Archive what was logged since the uninstall button archived the chain
    (``models/ir_module_module.py``): nothing leaves with the tables."""
    env["sicantik.audit.event"].sudo()._audit_archive_all(reason="uninstall")
