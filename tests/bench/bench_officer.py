"""Benchmark: the officer's dashboard and a filtered permit list at 1,000,000 permits.

Run from the repository root (``make bench-officer``)::

    .venv/bin/python tests/bench/bench_officer.py --permits 1000000 \
        --json bench-output/officer-1m.json [--keep] [--reuse]

Steps, all in one run:

1. create (or, with ``--reuse``, reuse) the throw-away Odoo database
   ``sicantik_dev_officer_bench`` with ``sicantik_officer`` installed;
2. fill it straight in PostgreSQL with ``--permits`` realistic mirrored
   permits (``INSERT … SELECT … FROM generate_series``): 40 permit types, 15
   statuses, 20 kecamatan, 10 units, dates over 8 years, SK issued and expiry
   dates, about three status-history rows per permit, applicants and
   companies.  A million permits through the real sync would take longer than
   this whole bench (``bench_sync.py --permits 1000000`` measures that); the
   rows here have the shape the sync writes, and the addon's counters are
   rebuilt from them the way ``init`` does.  With ``--reuse`` a complete fill
   is kept and the fill is skipped;
3. as two officers (not the superuser: record rules apply) — one without a
   unit (sees the whole office) and one limited to two units — with Odoo's
   caches cleared before each first call, time server-side what the web
   client calls:

   - *dashboard*: ``get_dashboard_charts``, the tiles' ``web_search_read``
     (kanban of ``sicantik.dashboard.kpi``) and each chart's
     ``web_read_group``;
   - *filtered list*: the permit action's search panel
     (``search_panel_select_range`` for type, status and unit) and
     ``web_search_read`` with the list view's fields, limit 80 and the web
     client's bounded count, for a status + kecamatan + applicant-name
     search, for a permit-number search and for the unfiltered list;

   once **before** (the addon's indexes dropped and its counters off: what
   the previous version did) and once **after**, in the same run on the same
   rows.  Figures: the first (cold) call and the median of 5.
4. what the counters' triggers add to a write: one ``UPDATE`` of 1,000
   permits changing a counted column, with and without the triggers.

Every figure is printed beside its target (1 s server time) with OK/MISSED;
``--json`` writes them to a file.  The database is dropped at the end unless
``--keep`` (or ``--reuse``, which implies keeping it for the next run).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import benchlib  # noqa: E402
import stack  # noqa: E402

ODOO_DB = "sicantik_dev_officer_bench"
TARGET_S = 1.0
RUNS = 5

FIRST = (
    "Agus Budi Dewi Eko Fitri Gita Hadi Indah Joko Kartika Lestari Made Nur "
    "Putu Rina Sari Slamet Tono Wayan Yanti Ahmad Bambang Citra Dian Endang "
    "Fajar Hendra Irwan Siti Wahyu"
).split()
LAST = (
    "Santoso Sitorus Ginting Tarigan Sembiring Purba Siregar Nasution Lubis "
    "Harahap Saragih Simanjuntak Pane Sinaga Manurung Wibowo Hidayat Saputra "
    "Kurniawan Setiawan Pratama Gunawan Halim Susanto Wijaya"
).split()
KECAMATAN = (
    "Kabanjahe Berastagi Tigapanah Dolat_Rayat Merdeka Barusjahe Simpang_Empat "
    "Naman_Teran Payung Tiganderket Kutabuluh Munte Juhar Tigabinanga Laubaleng "
    "Mardingding Kutabangun Lau_Kawar Merek Tiga_Lingga"
).split()
STATUSES = [
    "Pendaftaran",
    "Verifikasi Berkas",
    "Berkas Tidak Lengkap",
    "Survey Lapangan",
    "Rapat Tim Teknis",
    "Rekomendasi Dinas",
    "Penetapan Retribusi",
    "Menunggu Pembayaran",
    "Pembayaran Diterima",
    "Pembuatan Draft SK",
    "Paraf Kasi/Kabid",
    "Tanda Tangan Kepala Dinas",
    "SK Terbit",
    "Diserahkan",
    "Ditolak",
]

FILL_SQL = """
SELECT setseed(0.42);
INSERT INTO sicantik_status (sicantik_id, name, sicantik_missing)
SELECT n, s, false FROM unnest(%(statuses)s::varchar[]) WITH ORDINALITY u(s, n);
INSERT INTO sicantik_permit_type (sicantik_id, name, code, sla_days,
    validity_amount, validity_unit, sicantik_missing)
SELECT n, 'Izin Jenis ' || n, 'T' || lpad(n::text, 2, '0'), 3 + (n * 7) %% 12,
    1 + n %% 5, 'tahun', false FROM generate_series(1, 40) n;
INSERT INTO sicantik_unit (sicantik_id, name, sicantik_missing)
SELECT n, 'Bidang Pelayanan ' || n, false FROM generate_series(1, 10) n;
INSERT INTO sicantik_applicant (sicantik_id, name, id_type, id_number, phone,
    email, kecamatan, sicantik_missing, create_date, write_date)
SELECT i,
    (%(first)s::varchar[])[1 + floor(random() * %(nfirst)s)::int] || ' '
        || (%(last)s::varchar[])[1 + floor(random() * %(nlast)s)::int],
    'KTP', lpad((1207000000000000 + i)::text, 16, '0'), '0812' || lpad(i::text, 8, '0'),
    CASE WHEN random() < 0.4 THEN 'pemohon' || i || '@example.id' END,
    (%(kec)s::varchar[])[1 + floor(power(random(), 1.5) * 20)::int], false,
    now(), now()
FROM generate_series(1, %(applicants)s) i;
INSERT INTO sicantik_company (sicantik_id, name, npwp, kecamatan,
    sicantik_missing, create_date, write_date)
SELECT i, (ARRAY['PT ', 'CV ', 'UD '])[1 + i %% 3]
        || (%(last)s::varchar[])[1 + floor(random() * %(nlast)s)::int]
        || ' ' || (ARRAY['Jaya', 'Makmur', 'Abadi', 'Sejahtera', 'Mandiri'])[1 + i %% 5]
        || ' ' || i,
    lpad(i::text, 15, '0'),
    (%(kec)s::varchar[])[1 + floor(power(random(), 1.5) * 20)::int], false,
    now(), now()
FROM generate_series(1, %(companies)s) i;

CREATE TEMP TABLE bench_p ON COMMIT DROP AS
SELECT i,
    (current_date - floor(power(random(), 1.3) * 8 * 365)::int) AS d0,
    1 + floor(power(random(), 2) * 40)::int AS t,
    random() AS r, random() AS r2,
    1 + floor(random() * %(applicants)s)::int AS a,
    CASE WHEN random() < 0.3 THEN 1 + floor(random() * %(companies)s)::int END AS c,
    CASE WHEN random() < 0.9 THEN 1 + floor(random() * 10)::int END AS u,
    1 + floor(power(random(), 1.5) * 20)::int AS k
FROM generate_series(1, %(permits)s) i;
CREATE TEMP TABLE bench_q ON COMMIT DROP AS
SELECT p.*,
    CASE WHEN (current_date - p.d0 < 45 AND p.r < 0.6) OR p.r < 0.01 THEN 'pending'
         WHEN p.r > 0.965 THEN 'rejected' ELSE 'approved' END AS decision,
    LEAST(p.d0 + 2 + floor(power(p.r2, 2) * 20)::int, current_date) AS d_sk
FROM bench_p p;

INSERT INTO sicantik_permit (sicantik_id, name, year, permit_type_id, request_kind,
    applicant_id, company_id, unit_id, location, kecamatan, date_received, date_due,
    valid_until, sk_number, sk_date, status_id, decision, registration_state,
    is_issued, is_handed_over, is_revoked, is_paid, applicant_sid, company_sid,
    permit_type_sid, status_sid, unit_sid, row_hash, sicantik_missing,
    last_synced_at, create_date, write_date, sla_days, sla_end_date,
    sla_working_days, sla_calendar_days, sla_remaining_days, sla_state, is_overdue)
SELECT q.i,
    lpad(q.i::text, 7, '0') || '/T' || lpad(q.t::text, 2, '0') || '/'
        || extract(year FROM q.d0),
    extract(year FROM q.d0)::text, pt.id,
    CASE WHEN q.r2 < 0.8 THEN 'Baru' ELSE 'Perpanjangan' END,
    ap.id, co.id, un.id, 'Jl. Veteran No. ' || (q.i %% 300), kec.k, q.d0, q.d0 + 14,
    CASE WHEN q.decision = 'approved' AND q.t %% 7 <> 0
         THEN q.d_sk + make_interval(years => 1 + q.t %% 5)::interval END::date,
    CASE WHEN q.decision = 'approved' THEN '503/' || q.i || '/SK/DPMPTSP/'
         || extract(year FROM q.d_sk) END,
    CASE WHEN q.decision = 'approved' THEN q.d_sk END,
    st.id, q.decision, '1', q.decision = 'approved',
    q.decision = 'approved' AND q.r2 < 0.7, q.decision = 'approved' AND q.r2 > 0.995,
    q.decision <> 'pending' OR q.r2 < 0.3, q.a, q.c, q.t, st.sicantik_id, q.u,
    md5(q.i::text), false, now(), now(), now(),
    pt.sla_days,
    CASE WHEN q.decision = 'approved' THEN q.d_sk
         WHEN q.decision = 'rejected' THEN q.d0 + 10 END,
    w.wd, w.cd, pt.sla_days - w.wd,
    CASE WHEN q.decision = 'pending' AND w.wd > pt.sla_days THEN 'overdue'
         WHEN q.decision = 'pending' AND pt.sla_days - w.wd <= 2 THEN 'due_soon'
         WHEN q.decision = 'pending' THEN 'on_track'
         WHEN w.wd > pt.sla_days THEN 'done_late' ELSE 'done_on_time' END,
    q.decision = 'pending' AND w.wd > pt.sla_days
FROM bench_q q
JOIN sicantik_permit_type pt ON pt.sicantik_id = q.t
JOIN sicantik_applicant ap ON ap.sicantik_id = q.a
LEFT JOIN sicantik_company co ON co.sicantik_id = q.c
LEFT JOIN sicantik_unit un ON un.sicantik_id = q.u
JOIN sicantik_status st ON st.sicantik_id = CASE
    WHEN q.decision = 'approved' AND q.r2 < 0.7 THEN 14
    WHEN q.decision = 'approved' THEN 13
    WHEN q.decision = 'rejected' THEN 15
    ELSE 1 + floor(q.r2 * 12)::int END
CROSS JOIN LATERAL (SELECT (%(kec)s::varchar[])[q.k] AS k) kec
CROSS JOIN LATERAL (
    SELECT sicantik_officer_working_days(q.d0, CASE
        WHEN q.decision = 'approved' THEN q.d_sk
        WHEN q.decision = 'rejected' THEN q.d0 + 10 ELSE current_date END, '{}')
        AS wd,
        CASE WHEN q.decision = 'approved' THEN q.d_sk - q.d0
             WHEN q.decision = 'rejected' THEN 10 ELSE current_date - q.d0 END AS cd
) w;

INSERT INTO sicantik_permit_history (sicantik_id, permit_id, status_id, date_start,
    date_end, is_open, duration_hours, permit_sid, status_sid, working_days,
    row_hash, sicantik_missing, create_date, write_date)
SELECT p.sicantik_id * 3 + s.n, p.id, st.id,
    p.date_received + (s.n * 2) * interval '1 day' + interval '2 hours',
    CASE WHEN s.n < 2 OR p.decision <> 'pending'
         THEN p.date_received + (s.n * 2 + 1) * interval '1 day'
              + interval '4 hours' END,
    s.n = 2 AND p.decision = 'pending', 26, p.sicantik_id, st.sicantik_id, 1,
    md5((p.sicantik_id * 3 + s.n)::text), false, now(), now()
FROM sicantik_permit p
CROSS JOIN generate_series(0, 2) s(n)
JOIN sicantik_status st ON st.sicantik_id = CASE
    WHEN s.n = 0 THEN 1 WHEN s.n = 1 THEN 2
    ELSE COALESCE(p.status_sid, 3) END;
"""


def install_odoo(config_path):
    benchlib.install_odoo(config_path, ODOO_DB, "sicantik_officer", 18298)


def filled(cr, permits):
    cr.execute("SELECT count(*) FROM sicantik_permit")
    return cr.fetchone()[0] >= permits


def fill(env, permits):
    """The mirror, written in SQL with the shape the sync gives it."""
    cr = env.cr
    cr.execute(
        "TRUNCATE sicantik_permit_history, sicantik_permit, sicantik_applicant, "
        "sicantik_company, sicantik_unit, sicantik_status, sicantik_permit_type "
        "CASCADE"
    )
    cr.execute(
        FILL_SQL,
        {
            "statuses": STATUSES,
            "first": FIRST,
            "last": LAST,
            "nfirst": len(FIRST),
            "nlast": len(LAST),
            "kec": [k.replace("_", " ") for k in KECAMATAN],
            "permits": permits,
            "applicants": max(permits * 6 // 10, 10),
            "companies": max(permits // 8, 10),
        },
    )
    cr.commit()
    refresh_counters(env)
    cr.commit()
    old = cr._cnx.autocommit
    cr._cnx.autocommit = True
    try:
        cr.execute(
            "VACUUM ANALYZE sicantik_permit, sicantik_permit_history, "
            "sicantik_applicant, sicantik_company"
        )
    finally:
        cr._cnx.autocommit = old


def refresh_counters(env):
    """Rebuild the addon's stored counters, if this version has them."""
    Kpi = env["sicantik.dashboard.kpi"]
    if hasattr(Kpi, "_refresh_counters"):
        Kpi._refresh_counters()


def officers(env):
    """An officer who sees the whole office and one limited to two units."""
    Users = env["res.users"].with_context(no_reset_password=True)
    group = env.ref("sicantik_base.group_petugas")
    units = env["sicantik.unit"].search([], order="sicantik_id", limit=2)
    result = {}
    for login, unit_ids in (
        ("bench_officer_all", []),
        ("bench_officer_units", units.ids),
    ):
        user = Users.search([("login", "=", login)])
        if not user:
            user = Users.create(
                {"name": login, "login": login, "groups_id": [(6, 0, [group.id])]}
            )
        user.sicantik_unit_ids = [(6, 0, unit_ids)]
        result[login] = user.id
    env.cr.commit()
    return result


def list_specification(env):
    """The officer's permit list: fields as the web client asks for them."""
    view = env["sicantik.permit"].get_views([(False, "list")])
    fields_info = view["models"]["sicantik.permit"]["fields"]
    spec = {}
    for name, info in fields_info.items():
        if info["type"] in ("many2one",):
            spec[name] = {"fields": {"display_name": {}}}
        elif info["type"] in ("one2many", "many2many"):
            continue
        else:
            spec[name] = {}
    return spec


def dashboard_calls(env):
    """What opening the dashboard calls: charts, tiles, one group per chart."""
    Kpi = env["sicantik.dashboard.kpi"]
    charts = Kpi.get_dashboard_charts()
    Kpi.web_search_read(
        [],
        {
            "code": {},
            "severity": {},
            "visible_value": {},
            "unit": {},
            "name": {},
        },
        limit=40,
        count_limit=10001,
    )
    for chart in charts:
        ctx = dict(chart["context"], fill_temporal=True)
        env[chart["model"]].with_context(**ctx).web_read_group(
            chart["domain"],
            ["__count"],
            chart["context"]["graph_groupbys"],
            lazy=False,
        )


def search_panel(env):
    """The permit search view's panel: ``(field, expand, enable_counters)``,
    as the web client reads them from the arch."""
    from lxml import etree

    view = env["sicantik.permit"].get_views(
        [(env.ref("sicantik_sync.sicantik_permit_view_search").id, "search")]
    )
    arch = etree.fromstring(view["views"]["search"]["arch"])
    return [
        (
            node.get("name"),
            node.get("expand") in ("1", "True", "true"),
            node.get("enable_counters") in ("1", "True", "true"),
        )
        for node in arch.xpath("//searchpanel/field")
    ]


def list_calls(env, spec, search, category, before=False):
    """What the permit list calls for a search: the panel and the page.

    ``before``: the panel as the previous version declared it (values found
    by grouping the matching permits, ``expand`` off)."""
    Permit = env["sicantik.permit"]
    for field, expand, counters in search_panel(env):
        Permit.search_panel_select_range(
            field,
            category_domain=category,
            enable_counters=counters,
            expand=expand and not before,
            filter_domain=[],
            hierarchize=True,
            limit=200,
            search_domain=search,
        )
    Permit.web_search_read(
        search + category,
        spec,
        offset=0,
        limit=80,
        order="",
        count_limit=10001,
    )


def measure(registry, uid, call):
    """First call with Odoo's caches cleared, then the median of RUNS."""
    import odoo

    timings = []
    for i in range(RUNS + 1):
        with registry.cursor() as cr:
            if i == 0:
                registry.clear_cache()
            env = odoo.api.Environment(cr, uid, {"lang": "en_US", "tz": "Asia/Jakarta"})
            t0 = time.perf_counter()
            call(env)
            timings.append(time.perf_counter() - t0)
            cr.rollback()
    return {
        "first_s": round(timings[0], 3),
        "median_s": round(statistics.median(timings[1:]), 3),
    }


def scenarios(env):
    """The searches: one status + one kecamatan + an applicant's name, a permit
    number, and the list as it opens."""
    cr = env.cr
    cr.execute("SELECT id FROM sicantik_status WHERE sicantik_id = 14")
    status = cr.fetchone()[0]
    cr.execute(
        "SELECT name FROM sicantik_permit WHERE sicantik_id = %s",
        [max(env["sicantik.permit"].search_count([]) // 3, 1)],
    )
    number = cr.fetchone()[0][:7]
    return {
        "list_status_kecamatan_applicant": (
            [
                ("kecamatan", "ilike", "Berastagi"),
                ("applicant_id", "ilike", "Rina Sitorus"),
            ],
            [("status_id", "=", status)],
        ),
        "list_number": ([("name", "ilike", number)], []),
        "list_open": ([], []),
    }


def run_phase(registry, users, spec, searches, before=False):
    figures = {}
    for login, uid in users.items():
        who = login.removeprefix("bench_officer_")
        figures[f"dashboard_{who}"] = measure(registry, uid, dashboard_calls)
        for name, (search, category) in searches.items():
            figures[f"{name}_{who}"] = measure(
                registry,
                uid,
                lambda env, s=search, c=category: list_calls(env, spec, s, c, before),
            )
    return figures


def set_optimisations(registry, enabled):
    """Before: the addon's indexes dropped, the tiles counting directly (the
    previous version's queries).  After: both back, as ``init`` makes them."""
    import odoo

    from odoo.addons.sicantik_officer.lib import permit_counts

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if enabled:
            env["sicantik.permit"]._ensure_officer_indexes()
        else:
            permit_counts.drop_indexes(cr)
        env["ir.config_parameter"].set_param(
            "sicantik_officer.dashboard_counters", "1" if enabled else "0"
        )
        env["sicantik.dashboard.kpi"]._ensure_view()
        cr.commit()
        old = cr._cnx.autocommit
        cr._cnx.autocommit = True
        try:
            cr.execute("ANALYZE sicantik_permit")
        finally:
            cr._cnx.autocommit = old
    registry.clear_cache()


def write_cost(registry, rows=1000):
    """What the counters' triggers add to a sync batch: one UPDATE of
    ``rows`` permits changing a counted column (as a decided application
    does), median of RUNS, with and without the triggers (rolled back)."""
    timings = {"with_triggers_ms": [], "without_triggers_ms": []}
    query = (
        "UPDATE sicantik_permit SET decision = CASE decision WHEN 'pending' "
        "THEN 'approved' ELSE 'pending' END, write_date = now() "
        "WHERE id IN (SELECT id FROM sicantik_permit ORDER BY id DESC LIMIT %s)"
    )
    for _i in range(RUNS):
        for key, enabled in (
            ("with_triggers_ms", True),
            ("without_triggers_ms", False),
        ):
            with registry.cursor() as cr:
                if not enabled:
                    cr.execute("ALTER TABLE sicantik_permit DISABLE TRIGGER USER")
                t0 = time.perf_counter()
                cr.execute(query, [rows])
                timings[key].append((time.perf_counter() - t0) * 1000)
                cr.rollback()
    return {key: round(statistics.median(v), 1) for key, v in timings.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", default=str(ROOT / "odoo.conf"))
    parser.add_argument("--permits", type=int, default=1000000)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the database and its fill when complete (implies --keep)",
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the 'before' phase"
    )
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    stack.ensure_pg_role(stack.read_conf())
    sys.path.insert(0, str(stack.odoo_src()))
    import odoo
    from odoo.service import db as db_service
    from odoo.tools import config

    config.parse_config(["-c", args.config, "--addons-path", str(ROOT / "odoo_addons")])
    figures = {"permits": args.permits}
    if not (args.reuse and ODOO_DB in db_service.list_dbs(force=True)):
        install_odoo(args.config)
    registry = odoo.modules.registry.Registry(ODOO_DB)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if not (args.reuse and filled(cr, args.permits)):
            t0 = time.perf_counter()
            fill(env, args.permits)
            figures["fill_s"] = round(time.perf_counter() - t0, 1)
        users = officers(env)
        spec = list_specification(env)
        searches = scenarios(env)
        cr.execute("SELECT count(*) FROM sicantik_permit_history")
        figures["history_rows"] = cr.fetchone()[0]

    if not args.no_baseline:
        set_optimisations(registry, False)
        figures["before"] = run_phase(registry, users, spec, searches, before=True)
    t0 = time.perf_counter()
    set_optimisations(registry, True)
    figures["build_aids_s"] = round(time.perf_counter() - t0, 1)
    figures["after"] = run_phase(registry, users, spec, searches)
    figures["write_1000"] = write_cost(registry)

    ok = True
    lines = [f"{'call':<44}{'before':>16}{'after (first / median)':>26}  target"]
    for name, after in figures["after"].items():
        before = figures.get("before", {}).get(name)
        hit = after["first_s"] <= TARGET_S and after["median_s"] <= TARGET_S
        ok &= hit
        was = f"{before['first_s']} / {before['median_s']} s" if before else "-"
        lines.append(
            f"{name:<44}{was:>16}{after['first_s']:>14} / {after['median_s']} s"
            f"  <= {TARGET_S:g} s {'OK' if hit else 'MISSED'}"
        )
    cost = figures["write_1000"]
    lines.append(
        f"{'sync-like UPDATE of 1000 permits':<44}"
        f"{cost['without_triggers_ms']:>13} ms{cost['with_triggers_ms']:>14} ms"
        "  (without / with the counters' triggers)"
    )
    figures["ok"] = ok
    sys.stdout.write("\n".join(lines) + "\n" + json.dumps(figures) + "\n")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=2))
    if not (args.keep or args.reuse):
        odoo.sql_db.close_all()
        benchlib.drop_database(ODOO_DB)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
