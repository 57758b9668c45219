from . import (
    res_config_settings,
    res_users,
    sicantik_approval_chain,
    sicantik_approval_chain_step,
    sicantik_delegation,
    sicantik_document,
    sicantik_health,
    sicantik_permit,
    sicantik_signature_request,
    sicantik_signature_request_step,
    sicantik_signature_route,
    sicantik_verification,
)
