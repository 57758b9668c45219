from . import sicantik_sign_wizard
from . import sicantik_reject_wizard
