from . import (
    res_config_settings,
    res_users,
    sicantik_health,
    sicantik_signature_request,
    sicantik_verification,
)
