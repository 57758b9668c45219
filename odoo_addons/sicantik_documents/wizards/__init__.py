from . import sicantik_document_upload
