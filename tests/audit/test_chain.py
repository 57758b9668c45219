from .conftest import chain
from .helpers import make_chain


def test_valid_chain_verifies():
    rows = make_chain(50)
    result = chain.verify_rows(rows)
    assert result.ok
    assert result.checked == 50
    assert result.last_sequence == 50
    assert result.last_hash == rows[-1][-1]


def test_canonical_is_stable_and_typed():
    row = make_chain(1)[0]
    as_text = (row[0], chain.format_time(row[1]), *row[2:])
    assert chain.canonical(row) == chain.canonical(as_text)
    assert chain.canonical(row).startswith(b"[1,1,")


def test_edited_field_reports_exact_sequence():
    rows = make_chain(20)
    tampered = list(rows[11])
    tampered[10] = "nothing was downloaded"
    rows[11] = tuple(tampered)
    result = chain.verify_rows(rows)
    assert not result.ok
    assert result.broken_sequence == 12
    assert result.reason == "content does not match hash"
    assert result.checked == 11


def test_removed_row_reports_gap():
    rows = make_chain(10)
    del rows[4]
    result = chain.verify_rows(rows)
    assert (result.ok, result.broken_sequence) == (False, 5)
    assert result.reason == "missing event"


def test_replaced_row_breaks_link():
    rows = make_chain(10)
    other = make_chain(10, start_hash="f" * 64)
    rows[6] = other[6]
    result = chain.verify_rows(rows)
    assert result.broken_sequence == 7
    assert result.reason == "previous hash does not link"


def test_resume_from_checkpoint():
    rows = make_chain(30)
    tail = rows[10:]
    result = chain.verify_rows(tail, start_sequence=10, start_hash=rows[9][-1])
    assert result.ok and result.checked == 20
    assert not chain.verify_rows(tail).ok


def test_details_json_canonical():
    assert chain.details_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'
    assert chain.details_json(None) == "{}"


def test_verifier_over_postgresql_rows(pg):
    """The streaming verifier over a server-side cursor, as the addon runs it."""
    rows = make_chain(2000)
    with pg.cursor() as cur:
        cur.execute(
            """CREATE TEMP TABLE audit_rows (
                sequence integer, event_time timestamp, actor_type varchar,
                actor_uid integer, actor_login varchar, actor_name varchar,
                actor_key varchar, action varchar, res_model varchar,
                res_id integer, summary varchar, details text, ip varchar,
                user_agent varchar, prev_hash varchar, hash varchar)"""
        )
        cur.executemany(
            "INSERT INTO audit_rows VALUES (" + ",".join(["%s"] * 16) + ")", rows
        )
        cur.execute("UPDATE audit_rows SET summary = 'x' WHERE sequence = 1234")
    with pg.cursor(name="verify") as cur:
        cur.itersize = 500
        cur.execute(
            """SELECT sequence, to_char(event_time, 'YYYY-MM-DD"T"HH24:MI:SS.US'),
                      actor_type, actor_uid, actor_login, actor_name, actor_key,
                      action, res_model, res_id, summary, details, ip,
                      user_agent, prev_hash, hash
                 FROM audit_rows ORDER BY sequence"""
        )
        result = chain.verify_rows(cur)
    assert result.broken_sequence == 1234
