{
    "name": "SICANTIK Companion — BSrE e-Signature",
    "summary": "Sign permits with the national e-signature (TTE BSrE): approval, "
    "batch signing, QR stamp, signed versions and public verification",
    "version": "18.0.1.1.1",
    "category": "Services/SICANTIK",
    "author": "SICANTIK Companion developers",
    "maintainers": ["sicantik-companion"],
    "license": "AGPL-3",
    "development_status": "Beta",
    "installable": True,
    "depends": ["sicantik_documents", "sicantik_audit", "mail"],
    "external_dependencies": {"python": ["requests", "qrcode", "pyhanko", "pypdfium2"]},
    "data": [
        "security/sicantik_bsre_security.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "data/ir_cron_data.xml",
        "data/mail_template_data.xml",
        "views/sicantik_signature_request_views.xml",
        "views/res_users_views.xml",
        "views/sicantik_bsre_certificate_views.xml",
        "views/sicantik_stamp_placement_views.xml",
        "views/sicantik_signature_request_graph_views.xml",
        "views/res_config_settings_views.xml",
        "views/verify_templates.xml",
        "wizards/sicantik_sign_wizard_views.xml",
        "views/sicantik_bsre_menus.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "sicantik_bsre/static/src/js/*.js",
            "sicantik_bsre/static/src/xml/*.xml",
        ],
        "web.assets_tests": [
            "sicantik_bsre/static/tests/tours/*.js",
        ],
    },
}
