"""Working days between two dates, the way the officer addon counts them.

Why working days and not SICANTIK's own formula: the vendor computes the due
date as ``received + v_hari`` *calendar* days plus the number of ``tmholiday``
rows in that window; it does not skip weekends
(``docs/reference/sicantik.md#sla-and-holidays``).
Service standards (SP) and the officers themselves count *hari kerja*:
Monday to Friday, minus public holidays.  The addon shows both: calendar days
(the vendor's notion, next to SICANTIK's due date) and working days (the
SLA clock it flags overdue applications with).

Convention: the day work starts (received, step start) is day 0; the days
counted are those in the half-open interval ``(start, end]``.  An application
received on Friday and finished on Monday took one working day.

PostgreSQL computes the same number in set-based updates
(``sicantik_officer_working_days``); this module is the reference the SQL is
tested against and serves plain-Python callers.
"""

import datetime as _dt

#: A Monday: weekdays are counted from here (both here and in SQL).
EPOCH = _dt.date(1900, 1, 1)


def weekdays_upto(day):
    """Number of Mondays-to-Fridays in ``[EPOCH, day]``."""
    n = (day - EPOCH).days + 1
    return 5 * (n // 7) + min(n % 7, 5)


def working_days(start, end, holidays=()):
    """Working days in ``(start, end]``: weekdays that are not ``holidays``.

    ``holidays`` is any iterable of dates; duplicates and weekend holidays
    are ignored (SICANTIK may hold one date twice).  Returns 0 when ``end``
    is not after ``start`` or either is missing.
    """
    if not start or not end or end <= start:
        return 0
    days = weekdays_upto(end) - weekdays_upto(start)
    off = {h for h in holidays if start < h <= end and h.weekday() < 5}
    return days - len(off)
