from . import res_config_settings
from . import sicantik_health
from . import ir_config_parameter
from . import ir_attachment
