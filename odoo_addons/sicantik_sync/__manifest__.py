{
    "name": "SICANTIK Companion — Sync",
    "summary": "Read-only, incremental mirror of the SICANTIK MySQL database: "
    "permits, applicants, companies, units, status history, quarantine and "
    "reconciliation; officers see the permits of their unit",
    "version": "18.0.1.2.0",
    "category": "Services/SICANTIK",
    "author": "SICANTIK Companion developers",
    "maintainers": ["sicantik-companion"],
    "license": "AGPL-3",
    "development_status": "Beta",
    "installable": True,
    "depends": ["sicantik_base", "sicantik_audit", "mail"],
    "external_dependencies": {"python": ["sqlalchemy", "pymysql"]},
    "data": [
        "security/ir.model.access.csv",
        "security/sicantik_sync_security.xml",
        "data/ir_cron.xml",
        "views/sicantik_permit_views.xml",
        "views/sicantik_party_views.xml",
        "views/sicantik_unit_views.xml",
        "views/res_users_views.xml",
        "views/sicantik_sync_views.xml",
        "wizards/sicantik_sync_reconcile_views.xml",
        "views/sicantik_sync_menus.xml",
    ],
}
