"""Tell the audit trail which scheduled action is running.

Why here and not the ``cron_id`` context key Odoo sets: any RPC caller can put
``cron_id`` in its context and be recorded as a scheduled action.  The scheduler
runs ``_run_job`` (a class method no RPC reaches) in its own thread; the job is
recorded in a ContextVar for the duration, which only Python code can set.
"""

from odoo import models

from .audit_event import CRON_JOB


class IrCron(models.Model):
    _inherit = "ir.cron"

    @classmethod
    def _run_job(cls, job):
        token = CRON_JOB.set((job["id"], str(job.get("cron_name") or "")))
        try:
            return super()._run_job(job)
        finally:
            CRON_JOB.reset(token)
