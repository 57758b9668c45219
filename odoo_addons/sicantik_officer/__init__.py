from . import models
from .lib import permit_counts


def uninstall_hook(env):
    """Leave no trigger on the mirror that would outlive the addon."""
    permit_counts.drop_schema(env.cr)
