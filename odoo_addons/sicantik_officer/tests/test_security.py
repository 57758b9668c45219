"""Officer addon attacks: RPC calls of its methods, and reminders by unit.

Expiry reminders name the permit holder and the address they were sent to:
an officer limited to one unit must not list or read another unit's.  The
SLA, reminder and holiday entry points are either private or guarded; each
is called here the way ``/web/dataset/call_kw`` would call it.
"""

from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from odoo.addons.sicantik_sync.tests.common import (
    RogueServer,
    make_unit_users,
    rpc,
)


@tagged("post_install", "-at_install")
class TestOfficerSecurity(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        base = 8_900_000
        cls.unit_a, cls.unit_b, cls.users = make_unit_users(cls.env, base, "osec")
        Unit = cls.env["sicantik.unit"]
        cls.notice = {}
        for i, (key, unit) in enumerate(
            (("a", cls.unit_a), ("b", cls.unit_b), ("none", Unit))
        ):
            permit = cls.env["sicantik.permit"].create(
                {
                    "sicantik_id": base + 10 + i,
                    "name": f"SEC-{key}",
                    "unit_id": unit.id,
                    "valid_until": date(2030, 1, 1),
                }
            )
            cls.notice[key] = cls.env["sicantik.expiry.notice"].create(
                {
                    "permit_id": permit.id,
                    "threshold": 30,
                    "email_to": f"holder-{key}@example.com",
                }
            )
        cls.ids = [n.id for n in cls.notice.values()]

    def env_of(self, name):
        return self.env(user=self.users[name])

    def notices_seen(self, name):
        rows = rpc(
            self.env_of(name),
            "sicantik.expiry.notice",
            "search_read",
            [[("id", "in", self.ids)], ["email_to"]],
        )
        return {row["email_to"] for row in rows}

    def test_reminders_of_two_units_stay_apart(self):
        self.assertEqual(
            self.notices_seen("officer_a"),
            {"holder-a@example.com", "holder-none@example.com"},
        )
        self.assertEqual(
            self.notices_seen("officer_b"),
            {"holder-b@example.com", "holder-none@example.com"},
        )
        for user, other in (("officer_a", "b"), ("officer_b", "a")):
            with self.assertRaises(AccessError):
                rpc(
                    self.env_of(user),
                    "sicantik.expiry.notice",
                    "read",
                    [self.notice[other].ids, ["email_to", "applicant_id"]],
                )

    def test_reminders_for_officer_without_unit_and_higher_roles(self):
        every = {f"holder-{k}@example.com" for k in self.notice}
        for name in ("officer_none", "pejabat", "auditor", "admin"):
            self.assertEqual(self.notices_seen(name), every, name)

    def test_sla_and_reminders_are_not_endpoints(self):
        """Private now: nobody triggers a full recompute or a mail batch."""
        for name in ("officer_a", "admin"):
            env = self.env_of(name)
            for method in ("_recompute_sla", "_send_expiry_notices"):
                with self.assertRaises(AccessError):
                    rpc(env, "sicantik.permit", method, [], {"full": True})
            for method in ("recompute_sla", "send_expiry_notices"):
                with self.assertRaises(AttributeError):
                    rpc(env, "sicantik.permit", method)
        self.assertFalse(
            self.env["sicantik.expiry.notice"].search_count(
                [("id", "not in", self.ids)]
            )
        )

    def test_holiday_import_takes_no_url(self):
        rogue = RogueServer()
        self.addCleanup(rogue.close)
        before = self.env["sicantik.holiday"].search_count([])
        for name in ("officer_a", "admin"):
            env = self.env_of(name)
            with self.assertRaises(AttributeError):
                rpc(env, "sicantik.holiday", "sync_holidays", [], {"url": rogue.url()})
            with self.assertRaises(AccessError):
                rpc(env, "sicantik.holiday", "_sync_holidays", [], {"url": rogue.url()})
        self.assertEqual(rogue.connections(), 0)
        self.assertEqual(self.env["sicantik.holiday"].search_count([]), before)

    def test_recompute_button_is_for_admins(self):
        permit = self.notice["a"].permit_id
        for name in ("officer_a", "officer_none", "pejabat", "auditor"):
            env = self.env_of(name)
            with self.assertRaises(AccessError):
                rpc(env, "sicantik.permit", "action_recompute_sla", [permit.ids])
        self.assertTrue(
            rpc(self.env_of("admin"), "sicantik.permit", "action_recompute_sla", [[]])
        )
