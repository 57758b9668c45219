{
    "name": "SICANTIK Companion — Officer",
    "summary": "Dashboard, SLA in working days with SICANTIK's holidays, expiry "
    "reminders (H-90/60/30) and Indonesian formatting for permit officers",
    "version": "18.0.1.1.0",
    "category": "Services/SICANTIK",
    "author": "SICANTIK Companion developers",
    "maintainers": ["sicantik-companion"],
    "license": "AGPL-3",
    "development_status": "Beta",
    "installable": True,
    "uninstall_hook": "uninstall_hook",
    "depends": ["sicantik_sync", "sicantik_audit", "mail"],
    "data": [
        "security/ir.model.access.csv",
        "security/sicantik_officer_security.xml",
        "data/ir_cron.xml",
        "data/mail_template.xml",
        "views/sicantik_permit_views.xml",
        "views/sicantik_permit_type_views.xml",
        "views/sicantik_holiday_views.xml",
        "views/sicantik_expiry_notice_views.xml",
        "views/sicantik_dashboard_kpi_views.xml",
        "views/sicantik_officer_menus.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "sicantik_officer/static/src/js/dashboard.js",
            "sicantik_officer/static/src/xml/dashboard.xml",
            "sicantik_officer/static/src/scss/dashboard.scss",
        ],
    },
}
