from . import (
    res_config_settings,
    res_users,
    sicantik_bsre_certificate,
    sicantik_health,
    sicantik_signature_request,
    sicantik_stamp_placement,
    sicantik_verification,
)
