"""The dashboard tiles: one SQL view, extensible by other addons.

Why a view built from Python: each tile is a count that must equal what the
officer sees when the tile opens its list, so every tile is declared once by
:meth:`SicantikDashboardKpi._kpi_definitions` (code, label, SQL count, model
and domain of the list) and both the view and the click come from that
declaration.  Addons add tiles by extending the method and calling
``super()``, like ``sicantik.health``; tiles of addons this one does not
depend on (signatures, documents) are declared only when their model is in
the registry.

The view is rebuilt when the registry loads (``_register_hook``) if the set of
tiles changed (a hash kept as the view's comment), so installing
``sicantik_bsre`` after this addon adds its tiles without an upgrade.

At a province's size (a million permits) the permit tiles read stored
counters (``lib/permit_counts.py``, kept by triggers on every write) instead
of counting: a tile may declare ``counter``, a SELECT over the counter table
giving the same ``key, value`` as its ``sql``.  The system parameter
``sicantik_officer.dashboard_counters`` = ``0`` makes every tile count
directly again (diagnostics, the benchmark's baseline).
"""

import hashlib
import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.osv import expression

from odoo.addons.sicantik_base.guards import guard

from ..lib import permit_counts
from .sicantik_permit import office_today, office_tz

_logger = logging.getLogger(__name__)

SEVERITIES = [("info", "Info"), ("warning", "Warning"), ("danger", "Danger")]


class SicantikDashboardKpi(models.Model):
    _name = "sicantik.dashboard.kpi"
    _description = "SICANTIK Dashboard Tile"
    _auto = False
    _order = "sequence, code"

    code = fields.Char(readonly=True)
    sequence = fields.Integer(readonly=True)
    value = fields.Integer(string="Office Total", readonly=True)
    visible_value = fields.Integer(
        string="Value",
        compute="_compute_visible_value",
        help="What the tile's list shows you: your record rules applied "
        "(officers may see only their units' permits).",
    )
    name = fields.Char(string="Tile", compute="_compute_display", readonly=True)
    unit = fields.Char(compute="_compute_display", readonly=True)
    severity = fields.Selection(SEVERITIES, compute="_compute_display", readonly=True)

    # ------------------------------------------------------------------
    # declarations
    # ------------------------------------------------------------------
    @api.model
    def _kpi_definitions(self):
        """Return the tiles: a list of dicts.

        Keys: ``code`` (unique; ``code:<key>`` for one tile per group row),
        ``sequence``, ``name`` (translated label), ``sql`` (a SELECT giving
        ``key, value`` rows; ``key`` is NULL for a single tile), ``model``
        and ``domain`` (the list the tile opens; for grouped tiles a callable
        ``key -> domain``), optional ``unit``, ``severity`` (``value ->
        severity``), ``label`` (``key -> name`` for grouped tiles) and
        ``counter`` (a cheaper SELECT of the same figures from stored
        counters).
        """
        today = office_today(self.env)
        tz = office_tz(self.env)
        issued = [("is_issued", "=", True), ("sicantik_missing", "=", False)]

        def expiring(days):
            return issued + [
                ("valid_until", ">=", fields.Date.to_string(today)),
                ("valid_until", "<=", fields.Date.to_string(today + timedelta(days))),
            ]

        def expiring_sql(days):
            return (
                "SELECT NULL::varchar AS key, count(*) AS value FROM sicantik_permit "
                "WHERE is_issued AND sicantik_missing IS NOT TRUE AND valid_until "
                f"BETWEEN (now() AT TIME ZONE '{tz}')::date "
                f"AND (now() AT TIME ZONE '{tz}')::date + {int(days)}"
            )

        def counter_sql(kind):
            return (
                "SELECT NULL::varchar AS key, COALESCE(sum(n), 0) AS value "
                f"FROM {permit_counts.TABLE} WHERE kind = '{kind}'"
            )

        def expiring_counter(days):
            return (
                counter_sql("valid_until") + " AND day "
                f"BETWEEN (now() AT TIME ZONE '{tz}')::date "
                f"AND (now() AT TIME ZONE '{tz}')::date + {int(days)}"
            )

        def warn_if_any(value):
            return "warning" if value else "info"

        def danger_if_any(value):
            return "danger" if value else "info"

        tiles = [
            {
                "code": "permits_in_process",
                "sequence": 10,
                "name": _("Applications in Process"),
                "sql": "SELECT NULL::varchar AS key, count(*) AS value "
                "FROM sicantik_permit WHERE decision = 'pending' "
                "AND sicantik_missing IS NOT TRUE",
                "counter": counter_sql("pending"),
                "model": "sicantik.permit",
                "domain": [
                    ("decision", "=", "pending"),
                    ("sicantik_missing", "=", False),
                ],
            },
            {
                "code": "permits_overdue",
                "sequence": 20,
                "name": _("Overdue (past SLA)"),
                "sql": "SELECT NULL::varchar AS key, count(*) AS value "
                "FROM sicantik_permit WHERE is_overdue",
                "counter": counter_sql("overdue"),
                "model": "sicantik.permit",
                "domain": [("is_overdue", "=", True)],
                "severity": danger_if_any,
            },
            {
                "code": "permits_due_soon",
                "sequence": 25,
                "name": _("Nearly Due"),
                "sql": "SELECT NULL::varchar AS key, count(*) AS value "
                "FROM sicantik_permit WHERE sla_state = 'due_soon'",
                "counter": counter_sql("due_soon"),
                "model": "sicantik.permit",
                "domain": [("sla_state", "=", "due_soon")],
                "severity": warn_if_any,
            },
        ]
        for seq, days in ((30, 30), (31, 60), (32, 90)):
            tiles.append(
                {
                    "code": f"permits_expiring_{days}",
                    "sequence": seq,
                    "name": _("Expiring within %s days", days),
                    "sql": expiring_sql(days),
                    "counter": expiring_counter(days),
                    "model": "sicantik.permit",
                    "domain": expiring(days),
                    "severity": warn_if_any if days == 30 else None,
                }
            )
        tiles += [
            {
                "code": "sync_quarantine",
                "sequence": 80,
                "name": _("Quarantined SICANTIK Rows"),
                "sql": "SELECT NULL::varchar AS key, count(*) AS value "
                "FROM sicantik_sync_quarantine WHERE resolved IS NOT TRUE",
                "model": "sicantik.sync.quarantine",
                "domain": [("resolved", "=", False)],
                "severity": warn_if_any,
            },
            {
                "code": "sync_lag",
                "sequence": 90,
                "name": _("Minutes Since Last Sync"),
                "unit": _("min"),
                "sql": "SELECT NULL::varchar AS key, CASE WHEN max(finished_at) "
                "IS NULL THEN -1 ELSE GREATEST(floor(EXTRACT(EPOCH FROM "
                "(now() AT TIME ZONE 'UTC') - max(finished_at)) / 60), 0) END "
                "AS value FROM sicantik_sync_run WHERE kind = 'sync' "
                "AND state = 'done'",
                "model": "sicantik.sync.run",
                "domain": [("kind", "=", "sync")],
                "count": False,
                "severity": self._lag_severity,
            },
        ]
        if "sicantik.signature.request" in self.env:
            backlog = ("waiting_approval", "approved", "signing", "outcome_unknown")
            users = self.env["res.users"].sudo()
            tiles.append(
                {
                    "code": "sign_waiting",
                    "sequence": 39,
                    "name": _("Signatures Waiting"),
                    "sql": "SELECT NULL::varchar AS key, count(*) AS value "
                    "FROM sicantik_signature_request WHERE state IN "
                    f"{backlog!r}",
                    "model": "sicantik.signature.request",
                    "domain": [("state", "in", list(backlog))],
                    "severity": warn_if_any,
                }
            )
            tiles.append(
                {
                    "code": "sign_backlog",
                    "sequence": 40,
                    "name": _("Signing Backlog"),
                    "sql": "SELECT official_id::varchar AS key, count(*) AS value "
                    "FROM sicantik_signature_request WHERE state IN "
                    f"{backlog!r} GROUP BY official_id",
                    "model": "sicantik.signature.request",
                    "domain": lambda key: [
                        ("state", "in", list(backlog)),
                        ("official_id", "=", int(key)),
                    ],
                    "label": lambda key: _(
                        "Signing Backlog: %s", users.browse(int(key)).name
                    ),
                    "severity": warn_if_any,
                }
            )
        if "sicantik.document" in self.env:
            tiles += [
                {
                    "code": "documents_pending",
                    "sequence": 50,
                    "name": _("Documents Pending Upload"),
                    "sql": "SELECT NULL::varchar AS key, count(*) AS value "
                    "FROM sicantik_document WHERE state = 'pending_upload'",
                    "model": "sicantik.document",
                    "domain": [("state", "=", "pending_upload")],
                    "severity": warn_if_any,
                },
                {
                    "code": "documents_attention",
                    "sequence": 51,
                    "name": _("Documents Missing or Altered"),
                    "sql": "SELECT NULL::varchar AS key, count(*) AS value "
                    "FROM sicantik_document WHERE state IN "
                    "('missing', 'altered', 'quarantined')",
                    "model": "sicantik.document",
                    "domain": [("state", "in", ["missing", "altered", "quarantined"])],
                    "severity": danger_if_any,
                },
            ]
        return tiles

    @api.model
    def _lag_severity(self, value):
        limit = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("sicantik_sync.lag_alert_minutes", "15")
            or 15
        )
        return "danger" if value < 0 or value >= limit else "info"

    # ------------------------------------------------------------------
    # the view
    # ------------------------------------------------------------------
    @api.model
    def _use_counters(self):
        param = self.env["ir.config_parameter"].sudo()
        return param.get_param("sicantik_officer.dashboard_counters", "1") != "0"

    @api.model
    def _view_sql(self):
        counters = self._use_counters()
        parts = [
            f"SELECT {tile['sequence']:d} AS sequence, "
            f"'{tile['code']}' || COALESCE(':' || q.key, '') AS code, "
            "q.value::integer AS value "
            f"FROM ({(counters and tile.get('counter')) or tile['sql']}) q"
            for tile in self.with_context(lang="en_US")._kpi_definitions()
        ]
        return (
            "SELECT row_number() OVER (ORDER BY u.sequence, u.code)::integer AS id, "
            "u.sequence, u.code, u.value FROM (" + " UNION ALL ".join(parts) + ") u"
        )

    @api.model
    def _ensure_view(self, force=False):
        """(Re)create the view when its definition changed; True if it did."""
        sql = self._view_sql()
        digest = hashlib.sha256(sql.encode()).hexdigest()
        cr = self.env.cr
        cr.execute(
            "SELECT obj_description(c.oid, 'pg_class') FROM pg_class c "
            "WHERE c.relname = %s AND c.relkind = 'v'",
            [self._table],
        )
        row = cr.fetchone()
        if not force and row and row[0] == digest:
            return False
        cr.execute(f"DROP VIEW IF EXISTS {self._table}")  # pylint: disable=sql-injection
        # the SQL comes from the tile declarations in code, never from users
        cr.execute(f"CREATE VIEW {self._table} AS {sql}")  # pylint: disable=sql-injection
        cr.execute(f"COMMENT ON VIEW {self._table} IS %s", [digest])  # pylint: disable=sql-injection
        return True

    def init(self):
        permit_counts.ensure_schema(self.env.cr)
        permit_counts.refresh(self.env.cr)
        self._ensure_view(force=True)

    @api.model
    def _refresh_counters(self):
        """Count every permit again (install; when the counters are doubted).

        Not needed after a sync: the triggers keep the counters exact."""
        self.env.flush_all()
        return permit_counts.refresh(self.env.cr)

    def _register_hook(self):
        """Add the tiles of addons installed later (signatures, documents).

        Several workers load the registry at the same time after an upgrade:
        the first one to take the lock rebuilds the view, the others keep the
        current one (rebuilt at their next start if still stale).  A failure
        here must never prevent the registry from loading.
        """
        super()._register_hook()
        cr = self.env.cr
        try:
            with cr.savepoint():
                cr.execute("SELECT pg_try_advisory_xact_lock(%s)", [0x51CA4B91])
                if cr.fetchone()[0]:
                    self._ensure_view()
        except Exception:  # noqa: BLE001 - never block the registry
            _logger.warning("SICANTIK dashboard view not refreshed", exc_info=True)

    # ------------------------------------------------------------------
    # display and click
    # ------------------------------------------------------------------
    def _definition(self):
        base, _sep, key = (self.code or "").partition(":")
        for tile in self._kpi_definitions():
            if tile["code"] == base:
                return tile, key or None
        return None, None

    @api.depends("code", "value")
    @api.depends_context("lang")
    def _compute_display(self):
        tiles = {t["code"]: t for t in self._kpi_definitions()}
        for kpi in self:
            base, _sep, key = (kpi.code or "").partition(":")
            tile = tiles.get(base, {})
            name = tile.get("name") or kpi.code
            if key and tile.get("label"):
                name = tile["label"](key)
            kpi.name = name
            kpi.unit = tile.get("unit") or False
            rule = tile.get("severity")
            kpi.severity = rule(kpi.value) if rule else "info"

    @api.depends("code", "value")
    @api.depends_context("uid")
    def _compute_visible_value(self):
        """Count under the user's record rules (one indexed count per tile).

        The view counts office-wide in SQL (metrics, administrators); an
        officer limited to some units must see the number of rows the tile
        opens.  Non-count tiles (lag in minutes) show the view's value, and
        so does a tile whose records the user may all read (no restricting
        record rule, no ``active`` field): the count would be the same.
        """
        tiles = {t["code"]: t for t in self._kpi_definitions()}
        # with the counters off, every tile counts directly (as before them)
        sees_all = {} if self._use_counters() else dict.fromkeys(self.env, False)
        for kpi in self:
            base, _sep, key = (kpi.code or "").partition(":")
            tile = tiles.get(base)
            if not tile or tile.get("count") is False:
                kpi.visible_value = kpi.value
                continue
            domain = tile["domain"](key) if callable(tile["domain"]) else tile["domain"]
            Model = self.env[tile["model"]]
            if not Model.has_access("read"):
                kpi.visible_value = 0
                continue
            if Model._name not in sees_all:
                sees_all[Model._name] = self._sees_all(Model)
            if sees_all[Model._name]:
                kpi.visible_value = kpi.value
                continue
            kpi.visible_value = Model.search_count(domain)

    @api.model
    def _sees_all(self, Model):
        """Whether the user's record rules let them read every row of
        ``Model`` (then a tile's office total is also their count)."""
        if "active" in Model._fields:
            return False
        if self.env.su:
            return True
        domain = self.env["ir.rule"]._compute_domain(Model._name, "read")
        leaves = [tuple(t) if isinstance(t, list) else t for t in domain or []]
        return not leaves or expression.normalize_domain(leaves) == [
            expression.TRUE_LEAF
        ]

    # ------------------------------------------------------------------
    # charts
    # ------------------------------------------------------------------
    @api.model
    def _chart_definitions(self):
        """The dashboard's charts: graph views of real models, so each bar
        counts under the user's record rules and opens the records it counts.

        Like the tiles, charts of addons this one does not depend on
        (signatures) are declared only when their model is in the registry.
        """
        today = office_today(self.env)
        year_ago = fields.Date.to_string(today.replace(day=1) - timedelta(days=335))
        charts = [
            {
                "code": "permits_issued_month",
                "title": _("Permits Issued per Month"),
                "model": "sicantik.permit",
                "view": "sicantik_officer.sicantik_permit_view_graph_issued_month",
                "domain": [
                    ("is_issued", "=", True),
                    ("sicantik_missing", "=", False),
                    ("sk_date", ">=", year_ago),
                ],
                "context": {
                    "graph_groupbys": ["sk_date:month"],
                    "graph_mode": "bar",
                    "graph_measure": "__count",
                },
            }
        ]
        if "sicantik.signature.request" in self.env:
            since = fields.Datetime.to_string(
                fields.Datetime.now() - timedelta(weeks=12)
            )
            charts.append(
                {
                    "code": "signatures_week",
                    "title": _("Signatures per Week"),
                    "model": "sicantik.signature.request",
                    "view": "sicantik_bsre.sicantik_signature_request_view_graph_week",
                    "domain": [("state", "=", "signed"), ("signed_at", ">=", since)],
                    "context": {
                        "graph_groupbys": ["signed_at:week"],
                        "graph_mode": "line",
                        "graph_measure": "__count",
                    },
                }
            )
        return charts

    @api.model
    @guard("petugas", "auditor")
    def get_dashboard_charts(self):
        """The charts the caller may read (the dashboard's client action),
        each with the id of its graph view (``view_id``)."""
        charts = []
        for chart in self._chart_definitions():
            if not self.env[chart["model"]].has_access("read"):
                continue
            view = self.env.ref(chart.pop("view"), raise_if_not_found=False)
            charts.append(dict(chart, view_id=view.id if view else False))
        return charts

    @guard("petugas", "auditor")
    def action_open(self):
        """Open the records the tile counts (their record rules still apply)."""
        self.ensure_one()
        tile, key = self._definition()
        if not tile:
            return False
        domain = tile["domain"](key) if callable(tile["domain"]) else tile["domain"]
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": tile["model"],
            "domain": domain,
            "views": [(False, "list"), (False, "form")],
            "target": "current",
        }
