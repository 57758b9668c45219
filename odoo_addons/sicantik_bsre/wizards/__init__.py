from . import sicantik_sign_wizard
