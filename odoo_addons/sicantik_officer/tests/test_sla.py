import os
from datetime import date, timedelta
from unittest.mock import patch
from zoneinfo import ZoneInfo

from odoo.tests import tagged

from ..lib import workdays
from .common import SANDBOX_TODAY, OfficerSourceCase

TZ = ZoneInfo("Asia/Jakarta")


@tagged("post_install", "-at_install")
class TestSla(OfficerSourceCase):
    def source_holidays(self):
        return [r[0] for r in self.src("SELECT date FROM tmholiday")]

    def test_holidays_mirrored(self):
        dates = set(self.source_holidays())
        self.assertTrue(dates)
        self.assertEqual(set(self.Holiday.search([]).mapped("date")), dates)
        # nothing changed: a second read writes nothing
        self.assertEqual(self.Holiday._sync_holidays(), 0)
        # a new date arrives; once deleted in SICANTIK it is marked missing
        # (the source is shared by the class: leave it as it was)
        new_day = date(2030, 1, 2)
        self.src(
            "INSERT INTO tmholiday (date, description) VALUES (%s, 'Uji')", [new_day]
        )
        self.addCleanup(self.src, "DELETE FROM tmholiday WHERE date = %s", [new_day])
        self.assertEqual(self.Holiday._sync_holidays(), 1)
        self.assertEqual(self.Holiday._working_days(date(2030, 1, 1), new_day), 0)
        self.src("DELETE FROM tmholiday WHERE date = %s", [new_day])
        self.assertEqual(self.Holiday._sync_holidays(), 1)
        gone = self.Holiday.search([("date", "=", new_day)])
        self.assertTrue(gone.sicantik_missing)
        self.assertEqual(self.Holiday._working_days(date(2030, 1, 1), new_day), 1)

    def test_overdue_flag_after_sync(self):
        holidays = self.source_holidays()
        permits = self.Permit.search([])
        self.assertTrue(permits)
        expected_overdue = set()
        for permit in permits:
            finished = (
                permit.sk_date
                or permit.date_handed_over
                or permit.decision == "rejected"
            )
            sla = permit.permit_type_id.sla_days
            if finished or not permit.date_received or not sla:
                continue
            spent = workdays.working_days(permit.date_received, SANDBOX_TODAY, holidays)
            self.assertEqual(permit.sla_working_days, spent, permit.name)
            self.assertEqual(permit.sla_remaining_days, sla - spent, permit.name)
            self.assertEqual(
                permit.sla_calendar_days,
                (SANDBOX_TODAY - permit.date_received).days,
            )
            if spent > sla:
                expected_overdue.add(permit.id)
        self.assertTrue(expected_overdue, "the sandbox has stalled applications")
        overdue = self.Permit.search([("is_overdue", "=", True)])
        self.assertEqual(set(overdue.ids), expected_overdue)
        self.assertTrue(all(p.sla_state == "overdue" for p in overdue))
        # finished with an SK: clock stopped at the SK date
        for permit in permits.filtered(
            lambda p: p.sk_date and p.date_received and p.permit_type_id.sla_days
        ):
            spent = workdays.working_days(
                permit.date_received, permit.sk_date, holidays
            )
            self.assertEqual(permit.sla_working_days, spent, permit.name)
            self.assertEqual(permit.sla_end_date, permit.sk_date)
            self.assertEqual(
                permit.sla_state,
                "done_late" if spent > permit.sla_days else "done_on_time",
            )

    def test_steps_working_days(self):
        holidays = self.source_holidays()
        steps = self.env["sicantik.permit.history"].search(
            [("date_start", "!=", False)]
        )
        self.assertTrue(steps.filtered("date_end") and steps.filtered("is_open"))

        def local(value):
            return value.replace(tzinfo=ZoneInfo("UTC")).astimezone(TZ).date()

        for step in steps:
            if step.date_end:
                end = local(step.date_end)
            else:
                # an open step counts until the permit's clock stopped, or today
                end = step.permit_id.sla_end_date or SANDBOX_TODAY
            self.assertEqual(
                step.working_days,
                workdays.working_days(local(step.date_start), end, holidays),
                (step.id, step.date_start, step.date_end, end),
            )

    def test_incremental_and_next_day(self):
        # nothing changed: the incremental update writes nothing
        self.assertEqual(self.Permit._recompute_sla(today=SANDBOX_TODAY)[0], 0)
        running = self.Permit.search(
            [("sla_end_date", "=", False), ("sla_state", "!=", "none")]
        )
        before = {p.id: p.sla_working_days for p in running}
        monday = SANDBOX_TODAY + timedelta(days=3)  # the sandbox day is a Friday
        updated, _steps = self.Permit._recompute_sla(today=monday)
        self.assertEqual(updated, len(running))
        for permit in running:
            self.assertEqual(permit.sla_working_days, before[permit.id] + 1)

    def test_sync_triggers_the_sla_cron(self):
        cron = self.env.ref("sicantik_officer.ir_cron_sicantik_sla")
        Trigger = self.env["ir.cron.trigger"].sudo()
        Trigger.search([("cron_id", "=", cron.id)]).unlink()
        self.src(
            "UPDATE tmpermohonan SET c_izin_dicabut = 1 WHERE id = "
            "(SELECT id FROM (SELECT MIN(id) AS id FROM tmpermohonan) x)"
        )
        self.src("INSERT INTO rat (tmpermohonan) SELECT MIN(id) FROM tmpermohonan")
        run = self.cycle()
        self.assertTrue(run.source_rows)
        self.assertTrue(Trigger.search([("cron_id", "=", cron.id)]))

    def test_holiday_cron_survives_unreachable_source(self):
        unreachable = "mysql+pymysql://nobody:nothing@127.0.0.1:1/none"
        with patch.dict(os.environ, {"SICANTIK_MYSQL_URL": unreachable}):
            self.assertEqual(self.Holiday._cron_sync_holidays(), 0)
        self.assertTrue(self.Holiday.search_count([]))
