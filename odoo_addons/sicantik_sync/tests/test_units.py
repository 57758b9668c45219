"""Units (``trunitkerja``): mirrored, linked to permits, and used for visibility.

The sync part runs on a private generated SICANTIK database (the generator
fills three units and sets ``tmpermohonan.trunitkerja_id``); the test edits
that copy to produce permits without a unit and with a unit that does not
exist.  The visibility part uses records created in Odoo: what it proves is
the record rules, not the reader.
"""

import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, tagged

from .common import SicantikSourceCase, make_unit_users


@tagged("post_install", "-at_install")
class TestUnitSync(SicantikSourceCase):
    seed = 15

    def test_units_and_permit_links_mirrored(self):
        run = self.cycle()
        source_units = dict(self.src("SELECT id, n_unitkerja FROM trunitkerja"))
        self.assertGreaterEqual(len(source_units), 2)
        Unit = self.env["sicantik.unit"]
        units = Unit.search([])
        self.assertEqual({u.sicantik_id: u.name for u in units}, source_units)
        self.assertTrue(all(u.row_hash and u.last_synced_at for u in units))
        details = json.loads(run.details)
        self.assertEqual(details["unit"]["created"], len(source_units))
        expected = dict(self.src("SELECT id, trunitkerja_id FROM tmpermohonan"))
        permits = self.env["sicantik.permit"].search([], order="sicantik_id")
        self.assertGreater(len(permits), 10)
        used = set()
        for permit in permits:
            sid = expected[permit.sicantik_id]
            self.assertEqual(permit.unit_sid or None, sid, permit.name)
            self.assertEqual(permit.unit_id.sicantik_id or None, sid, permit.name)
            used.add(sid)
        self.assertGreaterEqual(len(used), 2, "permits of several units")
        # SICANTIK edits: no unit, a unit id naming no unit, another unit
        no_unit, orphan, moved = permits[:3]
        other = next(iter(set(source_units) - {moved.unit_id.sicantik_id}))
        for permit, value in ((no_unit, None), (orphan, 999), (moved, other)):
            self.src(
                "UPDATE tmpermohonan SET trunitkerja_id = %s WHERE id = %s",
                (value, permit.sicantik_id),
            )
        recheck = self.cycle("recheck")
        self.assertEqual(recheck.missing_count, 0)
        self.assertFalse(no_unit.unit_id)
        self.assertFalse(no_unit.unit_sid)
        # a unit id naming no unit is tolerated like an orphan join
        self.assertEqual(orphan.unit_sid, 999)
        self.assertFalse(orphan.unit_id)
        self.assertEqual(moved.unit_id.sicantik_id, other)
        quarantined = self.open_quarantine()
        for permit in (no_unit, orphan, moved):
            self.assertNotIn(("tmpermohonan", permit.sicantik_id), quarantined)
        # the unit appears later: the sync mirrors it, the re-check links it
        self.src("INSERT INTO trunitkerja (id, n_unitkerja) VALUES (999, 'UPT BARU')")
        self.cycle()
        self.assertEqual(Unit.search([("sicantik_id", "=", 999)]).name, "UPT BARU")
        self.cycle("recheck")
        self.assertEqual(orphan.unit_id.sicantik_id, 999)


@tagged("post_install", "-at_install")
class TestUnitQuarantine(SicantikSourceCase):
    """Own source database: this test deletes and breaks units."""

    seed = 16

    def test_unit_quarantine_and_tombstone(self):
        self.src("INSERT INTO trunitkerja (id, n_unitkerja) VALUES (500, '  ')")
        self.cycle()
        self.assertIn(("trunitkerja", 500), self.open_quarantine())
        entry = self.env["sicantik.sync.quarantine"].search(
            [("entity", "=", "unit"), ("source_id", "=", 500)]
        )
        self.assertEqual(entry.reason, "Nama unit kerja kosong")
        unit = self.env["sicantik.unit"].search([], limit=1)
        self.src("DELETE FROM trunitkerja WHERE id = %s", (unit.sicantik_id,))
        self.cycle("recheck")
        self.assertTrue(unit.sicantik_missing)


@tagged("post_install", "-at_install")
class TestUnitColumnVariant(SicantikSourceCase):
    """Own source database: this test drops a column."""

    seed = 17

    def test_variant_without_unit_column_still_syncs(self):
        """Offices whose SICANTIK lacks ``tmpermohonan.trunitkerja_id`` sync."""
        self.src("ALTER TABLE tmpermohonan DROP COLUMN trunitkerja_id")
        run = self.cycle()
        self.assertEqual(run.state, "done")
        permits = self.env["sicantik.permit"].search([])
        self.assertTrue(permits)
        self.assertFalse(permits.filtered("unit_id"))
        self.assertTrue(self.env["sicantik.unit"].search_count([]))


@tagged("post_install", "-at_install")
class TestUnitVisibility(TransactionCase):
    """Officers see their units' permits; higher roles see every permit."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        base = 8_800_000
        cls.unit_a, cls.unit_b, cls.users = make_unit_users(cls.env, base, "units")
        Unit = cls.env["sicantik.unit"]
        Permit = cls.env["sicantik.permit"]
        History = cls.env["sicantik.permit.history"]
        cls.permit = {}
        for i, (key, unit) in enumerate(
            (("a", cls.unit_a), ("b", cls.unit_b), ("none", Unit))
        ):
            cls.permit[key] = Permit.create(
                {
                    "sicantik_id": base + 10 + i,
                    "name": f"UNIT-TEST-{key}",
                    "unit_id": unit.id,
                }
            )
            History.create(
                {"sicantik_id": base + 20 + i, "permit_id": cls.permit[key].id}
            )
        cls.all_permits = Permit.browse([p.id for p in cls.permit.values()])
        # personal data: one applicant and one company per permit, plus one
        # of each without any permit
        cls.party = {"sicantik.applicant": {}, "sicantik.company": {}}
        for j, model in enumerate(cls.party):
            field = "applicant_id" if model == "sicantik.applicant" else "company_id"
            for i, key in enumerate(("a", "b", "none", "nopermit")):
                party = cls.env[model].create(
                    {"sicantik_id": base + 100 * (j + 1) + i, "name": f"P-{key}"}
                )
                cls.party[model][key] = party
                if key in cls.permit:
                    cls.permit[key][field] = party
        # a unit assignment does not narrow the higher roles
        cls.users["pejabat"].sicantik_unit_ids = cls.unit_a
        cls.users["admin"].sicantik_unit_ids = cls.unit_a

    def visible(self, user, model="sicantik.permit"):
        records = self.env[model].with_user(self.users[user])
        if model == "sicantik.permit":
            found = records.search([("id", "in", self.all_permits.ids)])
            return set(found.mapped("name"))
        found = records.search([("permit_id", "in", self.all_permits.ids)])
        return set(found.sudo().mapped("permit_id.name"))

    def test_officer_sees_own_unit_and_unitless_permits(self):
        expected = {"UNIT-TEST-a", "UNIT-TEST-none"}
        self.assertEqual(self.visible("officer_a"), expected)
        self.assertEqual(self.visible("officer_a", "sicantik.permit.history"), expected)
        with self.assertRaises(AccessError):
            self.permit["b"].with_user(self.users["officer_a"]).read(["name"])
        self.permit["a"].with_user(self.users["officer_a"]).read(["name"])

    def test_officer_without_unit_sees_all(self):
        every = set(self.all_permits.mapped("name"))
        self.assertEqual(self.visible("officer_none"), every)
        self.assertEqual(self.visible("officer_none", "sicantik.permit.history"), every)

    def test_higher_roles_see_all(self):
        every = set(self.all_permits.mapped("name"))
        for role in ("pejabat", "auditor", "admin"):
            self.assertEqual(self.visible(role), every, role)
            self.assertEqual(self.visible(role, "sicantik.permit.history"), every, role)

    def test_assignment_change_applies_at_once(self):
        """Rule domains are cached per user: an assignment clears that cache."""
        officer = self.users["officer_none"]
        self.assertIn("UNIT-TEST-b", self.visible("officer_none"))
        self.unit_a.write({"user_ids": [(4, officer.id)]})
        self.assertNotIn("UNIT-TEST-b", self.visible("officer_none"))
        officer.write({"sicantik_unit_ids": [(4, self.unit_b.id)]})
        self.assertIn("UNIT-TEST-b", self.visible("officer_none"))
        officer.write({"sicantik_unit_ids": [(5, 0, 0)]})
        self.assertEqual(len(self.visible("officer_none")), 3)

    def test_only_officers_of_a_unit_are_edited_in_odoo(self):
        admin_unit = self.unit_a.with_user(self.users["admin"])
        admin_unit.write({"user_ids": [(4, self.users["officer_none"].id)]})
        self.assertIn(self.users["officer_none"], self.unit_a.user_ids)
        with self.assertRaises(UserError):
            admin_unit.write({"name": "RENAMED"})
        with self.assertRaises(AccessError):
            self.unit_a.with_user(self.users["officer_a"]).write(
                {"user_ids": [(4, self.users["officer_a"].id)]}
            )

    def parties_seen(self, user, model):
        """What ``user`` gets from the RPC an attacker would send."""
        rows = (
            self.env[model]
            .with_user(self.users[user])
            .search_read(
                [("id", "in", [p.id for p in self.party[model].values()])], ["name"]
            )
        )
        return {row["name"] for row in rows}

    def test_officers_of_two_units_see_only_their_applicants_and_companies(self):
        for model in self.party:
            self.assertEqual(
                self.parties_seen("officer_a", model), {"P-a", "P-none"}, model
            )
            self.assertEqual(
                self.parties_seen("officer_b", model), {"P-b", "P-none"}, model
            )
            # reading the other unit's applicant by id is refused outright
            for user, other in (("officer_a", "b"), ("officer_b", "a")):
                record = self.party[model][other].with_user(self.users[user])
                with self.assertRaises(AccessError):
                    record.read(["name", "phone", "email", "address"])
            # nor does the permit list leak them through a related field
            permits = (
                self.env["sicantik.permit"]
                .with_user(self.users["officer_a"])
                .search_read([("id", "in", self.all_permits.ids)], ["name"])
            )
            self.assertNotIn("UNIT-TEST-b", {p["name"] for p in permits})

    def test_applicants_for_officer_without_unit_and_higher_roles(self):
        every = {"P-a", "P-b", "P-none", "P-nopermit"}
        for model in self.party:
            for role in ("officer_none", "pejabat", "auditor", "admin"):
                self.assertEqual(self.parties_seen(role, model), every, (model, role))

    def test_applicant_follows_a_permit_moved_to_the_unit(self):
        model = "sicantik.applicant"
        self.assertNotIn("P-b", self.parties_seen("officer_a", model))
        self.permit["b"].unit_id = self.unit_a
        self.assertIn("P-b", self.parties_seen("officer_a", model))
        self.assertNotIn("P-b", self.parties_seen("officer_b", model))
