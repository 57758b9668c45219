import random
from datetime import date, timedelta

from odoo.tests import TransactionCase, tagged

from ..lib import workdays


@tagged("post_install", "-at_install")
class TestWorkingDays(TransactionCase):
    """The SQL function against hand-computed cases and its Python twin.

    Week of 24 March 2025: Mon 24 … Fri 28, Sat 29 (a holiday on a weekend,
    which must not count twice), Sun 30, Mon 31 and Tue 1 April (Idul Fitri,
    1 April entered twice in SICANTIK), Wed 2 April.
    """

    HOLIDAYS = [
        (990001, date(2025, 3, 29)),
        (990002, date(2025, 3, 31)),
        (990003, date(2025, 4, 1)),
        (990004, date(2025, 4, 1)),
    ]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.cr.execute("DELETE FROM sicantik_holiday")
        cls.Holiday = cls.env["sicantik.holiday"]
        cls.Holiday.create(
            [{"sicantik_id": sid, "date": day} for sid, day in cls.HOLIDAYS]
        )

    def wd(self, a, b):
        return self.Holiday._working_days(a, b)

    def test_hand_computed(self):
        d = date
        cases = [
            (d(2025, 3, 24), d(2025, 3, 28), 4),  # Mon → Fri
            (d(2025, 3, 28), d(2025, 3, 31), 0),  # Fri → holiday Mon
            (d(2025, 3, 28), d(2025, 4, 2), 1),  # over two holidays
            (d(2025, 3, 29), d(2025, 3, 30), 0),  # weekend only
            (d(2025, 3, 27), d(2025, 3, 30), 1),  # Thu → Sun: Friday
            (d(2025, 3, 24), d(2025, 4, 7), 8),  # two weeks minus 2 holidays
            (d(2025, 3, 24), d(2025, 3, 24), 0),  # same day
            (d(2025, 3, 28), d(2025, 3, 24), 0),  # end before start
            (d(2024, 12, 31), d(2025, 1, 2), 2),  # across a year
        ]
        holidays = [day for _sid, day in self.HOLIDAYS]
        for start, end, expected in cases:
            with self.subTest(start=start, end=end):
                self.assertEqual(self.wd(start, end), expected)
                self.assertEqual(workdays.working_days(start, end, holidays), expected)
        self.assertEqual(self.wd(None, date(2025, 3, 28)), 0)

    def test_missing_holiday_no_longer_counts(self):
        self.Holiday.search([("date", "=", date(2025, 4, 1))]).write(
            {"sicantik_missing": True}
        )
        self.assertEqual(self.wd(date(2025, 3, 28), date(2025, 4, 2)), 2)

    def test_sql_matches_python_on_random_spans(self):
        rng = random.Random(7)
        holidays = [day for _sid, day in self.HOLIDAYS]
        base = date(2024, 12, 1)
        spans = []
        for _i in range(300):
            start = base + timedelta(days=rng.randint(0, 200))
            spans.append((start, start + timedelta(days=rng.randint(-5, 400))))
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT sicantik_officer_working_days(a, b) FROM "
            "unnest(%s::date[], %s::date[]) WITH ORDINALITY AS t(a, b, n) "
            "ORDER BY n",
            [[a for a, _b in spans], [b for _a, b in spans]],
        )
        got = [r[0] for r in self.env.cr.fetchall()]
        expected = [workdays.working_days(a, b, holidays) for a, b in spans]
        self.assertEqual(got, expected)
