from datetime import date, datetime
from zoneinfo import ZoneInfo

from odoo.tests import BaseCase, tagged

from ..lib import id_format as f


@tagged("post_install", "-at_install")
class TestIdFormat(BaseCase):
    def test_dates(self):
        self.assertEqual(f.format_date_id(date(2026, 11, 27)), "27 November 2026")
        self.assertEqual(f.format_date_id(date(2026, 2, 1)), "1 Februari 2026")
        self.assertEqual(f.format_date_id("2026-08-17"), "17 Agustus 2026")
        self.assertEqual(
            f.format_date_id(date(2026, 11, 27), with_day=True),
            "Jumat, 27 November 2026",
        )
        self.assertEqual(f.format_date_id(False), "")

    def test_datetime_converted_from_utc(self):
        value = datetime(2026, 11, 27, 7, 5)  # naive = UTC, as Odoo stores it
        self.assertEqual(
            f.format_datetime_id(value, tz=ZoneInfo("Asia/Jakarta")),
            "27 November 2026 14.05 WIB",
        )
        self.assertEqual(
            f.format_datetime_id(value, tz=ZoneInfo("Asia/Makassar")),
            "27 November 2026 15.05 WITA",
        )

    def test_numbers(self):
        self.assertEqual(f.format_number_id(1234567.5), "1.234.567,5")
        self.assertEqual(f.format_number_id(1000), "1.000")
        self.assertEqual(f.format_number_id(-1234.5, digits=2), "-1.234,50")
        self.assertEqual(f.format_number_id(0.125, digits=2), "0,13")
        self.assertEqual(f.format_number_id(None), "")
