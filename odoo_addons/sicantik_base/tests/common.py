"""Fixtures shared by the SICANTIK addons' tests: one user per SICANTIK role."""

from odoo.tests import new_test_user


def make_role_users(env):
    """Create a user per role; the logins are stable so tests read well."""
    groups = {
        "user": "base.group_user",
        "petugas": "sicantik_base.group_petugas",
        "pejabat": "sicantik_base.group_pejabat",
        "auditor": "sicantik_base.group_auditor",
        "admin": "sicantik_base.group_admin",
    }
    return {
        role: new_test_user(env, login=f"sicantik_{role}", groups=group)
        for role, group in groups.items()
    }
