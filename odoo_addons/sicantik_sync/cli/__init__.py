from . import sicantik_sync
