from . import (
    services,
    sicantik_applicant,
    sicantik_applicant_message,
    sicantik_permit,
    sicantik_signature_request,
    sicantik_status,
    sicantik_whatsapp_template,
)
