"""The read-only connection, against a real MariaDB."""

import pymysql
import pytest
from sicantik_sync_lib import source

from sandbox.sicantik.admin import connect


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM tmpermohonan",
        "update tmsk set no_surat = 'x'",
        "INSERT INTO rat (code) VALUES (1)",
        "DROP TABLE tmsk",
        "SELECT 1; DELETE FROM tmsk",
        "SELECT * FROM tmsk FOR UPDATE",
        "SELECT * FROM tmsk LOCK IN SHARE MODE",
        "SELECT * INTO OUTFILE '/tmp/x' FROM tmsk",
        "SET SESSION TRANSACTION READ WRITE",
        "CALL log(1)",
        "LOAD DATA LOCAL INFILE 'x' INTO TABLE tmsk",
    ],
)
def test_guard_refuses_writes(sql):
    with pytest.raises(source.WriteRefused):
        source.guard_statement(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id FROM tmsk WHERE no_surat = 'a; DELETE FROM tmsk'",
        "  select 1",
        "SHOW VARIABLES LIKE 'sql_mode'",
        "SET SESSION TRANSACTION READ ONLY",
        "SELECT 1;",
    ],
)
def test_guard_allows_reads(sql):
    source.guard_statement(sql)


def test_guard_is_applied_before_sending(dirty_db, admin_sql):
    _name, url = dirty_db
    with source.Source(url) as src:
        with pytest.raises(source.WriteRefused):
            src.all("DELETE FROM tmsk")
    assert admin_sql(dirty_db[0], "SELECT COUNT(*) FROM tmsk")[0][0] > 0


def test_session_is_read_only_even_for_root(dirty_db, admin_sql):
    name, url = dirty_db
    before = admin_sql(name, "SELECT COUNT(*) FROM tmsk")[0][0]
    with source.Source(url) as src:
        with pytest.raises(source.SourceError, match="1792"):
            src.execute_unguarded_for_test("DELETE FROM tmsk")
    assert admin_sql(name, "SELECT COUNT(*) FROM tmsk")[0][0] == before


def test_readonly_user_cannot_write(dirty_db, ro_url):
    conn = connect(ro_url)
    try:
        with conn.cursor() as cur, pytest.raises(pymysql.err.OperationalError) as err:
            cur.execute("DELETE FROM tmsk")
        assert err.value.args[0] == 1142
    finally:
        conn.close()
    with source.Source(ro_url) as src:
        assert src.scalar("SELECT COUNT(*) AS c FROM tmpermohonan") == 80


def test_unreachable_source_error_has_no_password():
    url = "mysql+pymysql://sync_ro:top-secret@127.0.0.1:1/nowhere"
    with pytest.raises(source.SourceError) as err:
        with source.Source(url, connect_timeout=2) as src:
            src.all("SELECT 1")
    assert "top-secret" not in str(err.value)


def test_killed_connection_raises_source_error_then_recovers(dirty_db, admin_sql):
    _name, url = dirty_db
    with source.Source(url) as src:
        cid = src.connection_id()
        admin_sql(None, f"KILL {int(cid)}")
        with pytest.raises(source.SourceError):
            src.all("SELECT COUNT(*) FROM tmpermohonan")
    # the pool replaced the dead connection (pre-ping)
    with source.Source(url) as src:
        assert src.scalar("SELECT COUNT(*) AS c FROM tmpermohonan") == 80


def test_pool_is_reused(dirty_db):
    _name, url = dirty_db
    assert source.get_engine(url) is source.get_engine(url)
