{
    "name": "SICANTIK Companion — Base",
    "summary": "App menu, user groups, settings and service configuration "
    "shared by every SICANTIK Companion addon",
    "version": "18.0.1.1.0",
    "category": "Services/SICANTIK",
    "author": "SICANTIK Companion developers",
    "maintainers": ["sicantik-companion"],
    "license": "AGPL-3",
    "development_status": "Beta",
    "application": True,
    "installable": True,
    "depends": ["base_setup", "mail"],
    "external_dependencies": {"python": ["redis"]},
    "post_load": "post_load",
    "post_init_hook": "post_init_hook",
    "data": [
        "security/sicantik_security.xml",
        "views/res_config_settings_views.xml",
        "views/sicantik_menus.xml",
    ],
}
