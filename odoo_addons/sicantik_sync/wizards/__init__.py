from . import sicantik_sync_reconcile
