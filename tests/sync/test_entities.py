"""Entity queries against a generated dirty SICANTIK database."""

from sicantik_sync_lib import entities as ents
from sicantik_sync_lib import source

QUARANTINED = ("empty_required", "invalid_nik", "reversed_interval")


def _read_all(url, entity, limit=17):
    """Keyset pagination with an odd batch size: every id exactly once."""
    rows, after = [], 0
    with source.Source(url) as src:
        while True:
            ids = entity.next_ids(src, after, limit)
            if not ids:
                return rows
            rows.extend(entity.fetch(src, ids))
            after = ids[-1]


def test_keyset_pagination_reads_every_row_once(dirty_db, admin_sql):
    name, url = dirty_db
    for entity in ents.ALL:
        rows = _read_all(url, entity)
        ids = [r["id"] for r in rows]
        (count,) = admin_sql(name, f"SELECT COUNT(*) FROM {entity.table}")[0]
        assert len(ids) == len(set(ids)) == count, entity.name


def test_quarantine_reasons_match_ground_truth(dirty_db, admin_sql):
    name, url = dirty_db
    rejected = set()
    for entity in ents.ALL:
        for raw in _read_all(url, entity):
            values, reason = entity.convert(raw)
            if values is None:
                assert reason
                rejected.add((entity.table, raw["id"]))
            else:
                assert len(values["row_hash"]) == 64
    expected = {
        (t, r)
        for t, r, d in admin_sql(
            name, "SELECT table_name, row_id, defect FROM zz_sim_defect"
        )
        if d in QUARANTINED
    }
    assert rejected == expected


def test_duplicate_joins_collapse_to_newest(dirty_db, admin_sql):
    name, url = dirty_db
    dups = admin_sql(
        name,
        "SELECT detail FROM zz_sim_defect WHERE defect = 'duplicate_join' "
        "AND table_name = 'tmpermohonan_trstspermohonan'",
    )
    assert dups
    pids = [int(d.split(";")[0].split("=")[1]) for (d,) in dups]
    with source.Source(url) as src:
        rows = {r["id"]: r for r in ents.BY_NAME["permit"].fetch(src, pids)}
    for pid in pids:
        (newest,) = admin_sql(
            name,
            "SELECT trstspermohonan_id FROM tmpermohonan_trstspermohonan "
            "WHERE tmpermohonan_id = %s ORDER BY id DESC LIMIT 1",
            (pid,),
        )[0]
        assert rows[pid]["status_sid"] == newest


def test_issued_matches_reference_query(dirty_db, admin_sql):
    name, url = dirty_db
    expected = {
        r[0]
        for r in admin_sql(
            name,
            "SELECT tmpermohonan_id FROM zz_sim_permit WHERE in_reference_query = 1",
        )
    }
    issued = set()
    for raw in _read_all(url, ents.BY_NAME["permit"]):
        values, _reason = ents.BY_NAME["permit"].convert(raw)
        if values and values["is_issued"]:
            issued.add(raw["id"])
    blanked = {
        r
        for t, r, d in admin_sql(
            name, "SELECT table_name, row_id, defect FROM zz_sim_defect"
        )
        if t == "tmpermohonan" and d == "empty_required"
    }
    assert issued == expected - blanked


def test_hash_is_deterministic_across_reads(dirty_db):
    _name, url = dirty_db
    entity = ents.BY_NAME["applicant"]
    first = {r["id"]: entity.convert(r)[0] for r in _read_all(url, entity, 50)}
    second = {r["id"]: entity.convert(r)[0] for r in _read_all(url, entity, 7)}
    assert {k: v and v["row_hash"] for k, v in first.items()} == {
        k: v and v["row_hash"] for k, v in second.items()
    }


def test_max_ids_in_one_query(dirty_db, admin_sql):
    name, url = dirty_db
    with source.Source(url) as src:
        maxima = ents.max_ids(src, ents.ALL)
        assert maxima == {e.name: e.max_id(src) for e in ents.ALL}
    (permits,) = admin_sql(name, "SELECT MAX(id) FROM tmpermohonan")[0]
    assert maxima["permit"] == permits > 0
