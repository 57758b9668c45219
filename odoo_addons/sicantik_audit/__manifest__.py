{
    "name": "SICANTIK Companion — Audit Trail",
    "summary": "Append-only, hash-chained audit trail with S3 anchors, "
    "verification and archiving retention",
    "version": "18.0.1.0.2",
    "category": "Services/SICANTIK",
    "author": "SICANTIK Companion developers",
    "maintainers": ["sicantik-companion"],
    "license": "AGPL-3",
    "development_status": "Beta",
    "installable": True,
    "depends": ["sicantik_base"],
    "external_dependencies": {"python": ["minio"]},
    "uninstall_hook": "uninstall_hook",
    "data": [
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "views/sicantik_audit_event_views.xml",
        "views/sicantik_audit_checkpoint_views.xml",
        "views/res_config_settings_views.xml",
        "views/sicantik_audit_menus.xml",
    ],
}
