from . import test_groups
from . import test_health
from . import test_i18n
from . import test_id_format
from . import test_rpc_attacks
from . import test_rpc_surface
from . import test_session_store
from . import test_settings
