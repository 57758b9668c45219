from . import (
    res_config_settings,
    res_users,
    sicantik_document,
    sicantik_health,
    sicantik_signature_request,
    sicantik_sync,
    sicantik_verification,
)
