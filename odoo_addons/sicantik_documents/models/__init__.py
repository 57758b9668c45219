from . import sicantik_document
from . import sicantik_document_quarantine
from . import sicantik_document_import
from . import sicantik_permit
from . import sicantik_health
from . import sicantik_document_orphans
