from . import audit_event
from . import audit_checkpoint
from . import res_users
from . import audit_chain
from . import res_config_settings
from . import sicantik_health
