from . import audit_event
from . import audit_checkpoint
from . import audit_login_failure
from . import res_users
from . import audit_chain
from . import res_config_settings
from . import sicantik_health
from . import ir_cron
