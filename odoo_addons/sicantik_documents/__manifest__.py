{
    "name": "SICANTIK Companion — Documents",
    "summary": "Permit PDFs imported from SICANTIK's upload folder into S3/MinIO: "
    "immutable versions, encryption at rest, quarantine, audited downloads "
    "and integrity checks",
    "version": "18.0.1.0.2",
    "category": "Services/SICANTIK",
    "author": "SICANTIK Companion developers",
    "maintainers": ["sicantik-companion"],
    "license": "AGPL-3",
    "development_status": "Beta",
    "installable": True,
    "depends": ["sicantik_sync", "sicantik_audit"],
    "external_dependencies": {"python": ["minio", "cryptography"]},
    "data": [
        "security/sicantik_documents_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "views/sicantik_document_views.xml",
        "views/sicantik_document_quarantine_views.xml",
        "views/sicantik_permit_views.xml",
        "wizards/sicantik_document_upload_views.xml",
        "views/sicantik_documents_menus.xml",
    ],
}
