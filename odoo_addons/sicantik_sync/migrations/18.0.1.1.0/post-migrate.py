"""18.0.1.1.0: ``rows_per_second`` for the runs finished before it existed.

New runs store it when they finish; without this backfill every older run
would show 0 and the throughput history would start at the upgrade.  Plain
SQL (one statement, any number of runs) and idempotent: only rows still
without a value are touched, so running it again changes nothing.
"""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:  # fresh install: nothing to backfill
        return
    cr.execute(
        """
        UPDATE sicantik_sync_run
           SET rows_per_second = source_rows / duration
         WHERE rows_per_second IS NULL
           AND state = 'done'
           AND duration > 0
        """
    )
    _logger.info(
        "sicantik_sync %s: rows_per_second backfilled on %s runs", version, cr.rowcount
    )
