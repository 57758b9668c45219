"""The RPC surface of every SICANTIK addon is explicit, guarded and tested.

Odoo serves every model method without a leading ``_`` (and not
``@api.private``) through ``/web/dataset/call_kw`` to any user who can reach
the model, with arguments and context of the caller's choosing; ``call_kw``
checks no group.  So the surface is written down: each addon's
``security/rpc_surface.csv`` lists the public methods its models and wizards
define or override, who may call them (``allowed``: admin, pejabat, petugas,
auditor, portal, public) and how that is enforced (``guard``):

- ``groups``: :func:`odoo.addons.sicantik_base.guards.guard` on the method;
- ``groups+record``: the same, then a record-level check (this request's
  official, this permit's unit) that the addon's own tests exercise;
- ``orm``: an ORM override; access rights and record rules decide.

This test runs after every installed addon is loaded (post_install), so it
sees the whole registry: a public method nobody listed, or a listed method
that is gone, fails it; then every listed method is called as every role the
way ``call_kw`` calls it, and a role outside ``allowed`` must be refused with
an :class:`AccessError` before anything happens.
"""

import csv
import json
from pathlib import Path

from odoo.api import call_kw
from odoo.exceptions import AccessError
from odoo.modules.module import get_module_path
from odoo.service.model import get_public_method
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

ROLES = ("admin", "pejabat", "petugas", "auditor", "portal", "public")
ROLE_GROUPS = {
    "admin": "sicantik_base.group_admin",
    "pejabat": "sicantik_base.group_pejabat",
    "petugas": "sicantik_base.group_petugas",
    "auditor": "sicantik_base.group_auditor",
    "portal": "base.group_portal",
}
GUARDS = {"groups", "groups+record", "orm"}
PREFIX = "odoo.addons.sicantik_"


class _Rollback(Exception):
    """Raised inside a savepoint to undo a call that went through."""


def surface_rows(env):
    """Rows of every installed SICANTIK addon's ``security/rpc_surface.csv``."""
    modules = env["ir.module.module"].search(
        [("name", "=like", "sicantik\\_%"), ("state", "=", "installed")]
    )
    rows = []
    for module in modules.mapped("name"):
        path = Path(get_module_path(module)) / "security" / "rpc_surface.csv"
        if not path.is_file():
            continue
        with path.open(newline="", encoding="utf-8") as fh:
            for line, row in enumerate(csv.DictReader(fh), start=2):
                row["where"] = f"{module}/security/rpc_surface.csv:{line}"
                rows.append(row)
    return rows


def public_own_methods(env):
    """``{(model, method): module}`` for each method of a SICANTIK class that
    Odoo's ``call_kw`` would accept."""
    found = {}
    for name in env.registry:
        model = env[name]
        for klass in type(model).mro():
            module = getattr(klass, "__module__", "") or ""
            if not module.startswith(PREFIX):
                continue
            for attr, value in vars(klass).items():
                if attr.startswith("_") or not callable(value):
                    continue
                try:
                    get_public_method(model, attr)
                except (AccessError, AttributeError):
                    continue
                found[(name, attr)] = module
    return found


@tagged("post_install", "-at_install")
class TestRpcSurface(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rows = surface_rows(cls.env)
        cls.users = {
            role: new_test_user(
                cls.env,
                login=f"rpc_{role}",
                groups=group,
                email=f"rpc_{role}@example.test",
            )
            for role, group in ROLE_GROUPS.items()
        }
        cls.users["public"] = cls.env.ref("base.public_user")

    def test_rows_are_well_formed(self):
        self.assertTrue(self.rows, "no addon has a security/rpc_surface.csv")
        seen = set()
        for row in self.rows:
            key = (row["model"], row["method"])
            self.assertNotIn(key, seen, f"{row['where']}: listed twice")
            seen.add(key)
            self.assertIn(row["guard"], GUARDS, row["where"])
            allowed = row["allowed"].split()
            self.assertFalse(set(allowed) - set(ROLES), row["where"])
            self.assertTrue(row["note"].strip(), f"{row['where']}: say why")
            json.loads(row["args"] or "[]")

    def test_surface_is_the_committed_list(self):
        """Every public method is listed, every listed method exists."""
        actual = public_own_methods(self.env)
        listed = {(row["model"], row["method"]) for row in self.rows}
        unlisted = sorted(
            f"{m}.{f} ({actual[(m, f)]})" for m, f in set(actual) - listed
        )
        gone = sorted(f"{m}.{f}" for m, f in listed - set(actual))
        self.assertFalse(
            unlisted,
            "public methods missing from security/rpc_surface.csv "
            "(make them private or list them with their guard):\n"
            + "\n".join(unlisted),
        )
        self.assertFalse(
            gone, "listed but not public (remove the row):\n" + "\n".join(gone)
        )

    def test_guarded_methods_carry_the_guard(self):
        for row in self.rows:
            if not row["guard"].startswith("groups"):
                continue
            method = getattr(type(self.env[row["model"]]), row["method"])
            self.assertTrue(
                getattr(method, "_sicantik_guard", None),
                f"{row['where']}: {row['model']}.{row['method']} has no @guard",
            )

    def _call(self, row, user):
        """Call the method as ``call_kw`` does; ``refused`` or ``passed``."""
        model = self.env[row["model"]].with_user(user)
        method = getattr(model, row["method"])
        args = json.loads(row["args"] or "[]")
        if not getattr(method, "_api", None):
            sample = self.env[row["model"]].sudo().search([], limit=1)
            args = [sample.ids, *args]
        try:
            with (
                mute_logger("odoo.sql_db", "odoo.models", "odoo.addons"),
                self.env.cr.savepoint(),
            ):
                call_kw(model, row["method"], args, {})
                raise _Rollback
        except AccessError:
            outcome = "refused"
        except Exception:  # noqa: BLE001 - _Rollback, or past the guard and
            # refused later by data or state: either way the guard let it in
            outcome = "passed"
        self.env.invalidate_all()
        return outcome

    def test_every_role_gets_what_the_list_says(self):
        failures = []
        for row in self.rows:
            allowed = set(row["allowed"].split())
            for role in ROLES:
                outcome = self._call(row, self.users[role])
                if role not in allowed and outcome != "refused":
                    failures.append(f"{row['where']}: {role} was not refused")
                elif (
                    role in allowed
                    and outcome == "refused"
                    and row["guard"] != "groups+record"
                ):
                    failures.append(f"{row['where']}: {role} was refused")
        self.assertFalse(failures, "\n".join(failures))
