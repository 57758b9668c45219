from . import sicantik_audit
