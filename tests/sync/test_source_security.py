"""Attacks on the SICANTIK reader, against the real MariaDB.

Each test is the attack: a URL carrying a dangerous driver option, a
statement that writes or reads files while looking like a read, an account
with more than SELECT, and ``LOAD DATA LOCAL`` reaching for a file of the
Odoo host.
"""

import os

import pytest
from pymysql.constants import CLIENT
from sicantik_sync_lib import source

from .conftest import admin_connect, admin_sql, db_url


@pytest.fixture
def scratch_db():
    """An empty database with one table the attacks try to fill."""
    name = f"sicantik_t_sec_{os.getpid()}"
    admin_sql(None, f"DROP DATABASE IF EXISTS `{name}`")
    admin_sql(None, f"CREATE DATABASE `{name}`")
    admin_sql(name, "CREATE TABLE loot (line TEXT)")
    yield name
    source.dispose_all()
    admin_sql(None, f"DROP DATABASE IF EXISTS `{name}`")


# ----------------------------------------------------------------------
# driver options of the configured URL
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "query",
    [
        "local_infile=1",
        "local_infile=true&charset=utf8mb4",
        "client_flag=128",
        "init_command=SET+SESSION+TRANSACTION+READ+WRITE",
        "read_default_file=%2Fetc%2Fmysql%2Fmy.cnf",
        "unix_socket=%2Ftmp%2Fmysql.sock",
        "bogus=1",
    ],
)
def test_url_with_unknown_or_dangerous_option_is_refused(scratch_db, query):
    url = db_url(scratch_db) + "?" + query
    with pytest.raises(source.ConfigError, match="Refused driver option") as err:
        with source.Source(url) as src:
            src.all("SELECT 1 AS x")
    # the option is named, the URL (and its password) is not
    assert query.split("=", 1)[0] in str(err.value)
    assert "@" not in str(err.value)
    assert not [key for key in source._engines if key[0] == url]


@pytest.mark.parametrize(
    "url",
    [
        "mysql+mysqldb://root@127.0.0.1:3306/x",
        "sqlite:///x.db",
        "mysql+pymysql:///x",
        "not a url",
    ],
)
def test_url_with_other_driver_or_no_host_is_refused(url):
    with pytest.raises(source.ConfigError):
        source.Source(url)


def test_allowed_options_still_connect(dirty_db):
    _name, url = dirty_db
    url += "?charset=utf8mb4&connect_timeout=3&read_timeout=30"
    with source.Source(url) as src:
        assert src.scalar("SELECT @@character_set_client AS c") == "utf8mb4"


def test_load_data_local_cannot_read_a_host_file(scratch_db, tmp_path):
    """Even with the guard and the read-only session out of the way."""
    secret = tmp_path / "secret.txt"
    secret.write_text("odoo-host-secret\n")
    # control: the server accepts LOCAL INFILE from a client that allows it
    conn = admin_connect(scratch_db, local_infile=True)
    try:
        with conn.cursor() as cur:
            cur.execute(f"LOAD DATA LOCAL INFILE '{secret}' INTO TABLE loot")
    finally:
        conn.close()
    assert admin_sql(scratch_db, "SELECT COUNT(*) FROM loot")[0][0] == 1
    admin_sql(scratch_db, "DELETE FROM loot")

    with source.Source(db_url(scratch_db)) as src:
        raw = src.conn.connection.dbapi_connection
        assert not raw.client_flag & CLIENT.LOCAL_FILES
        src.execute_unguarded_for_test("SET SESSION TRANSACTION READ WRITE")
        raw.rollback()
        with pytest.raises(source.SourceError):
            src.execute_unguarded_for_test(
                f"LOAD DATA LOCAL INFILE '{secret}' INTO TABLE loot"
            )
    assert admin_sql(scratch_db, "SELECT COUNT(*) FROM loot")[0][0] == 0


def test_url_cannot_turn_local_infile_back_on(scratch_db):
    """``local_infile`` is refused in the URL *and* forced off at the driver."""
    with pytest.raises(source.ConfigError):
        source.get_engine(db_url(scratch_db) + "?local_infile=1")
    engine = source.get_engine(db_url(scratch_db))
    with engine.connect() as conn:
        assert not conn.connection.dbapi_connection.client_flag & CLIENT.LOCAL_FILES


# ----------------------------------------------------------------------
# the statement guard is an allowlist
# ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "sql",
    [
        "SET SESSION transaction_read_only=0",
        "SET @@SESSION.transaction_read_only = 0",
        "SET SESSION TRANSACTION READ WRITE",
        "SET NAMES latin1",
        "SELECT * FROM tmsk INTO/**/OUTFILE '/tmp/x'",
        "SELECT * FROM tmsk INTO DUMPFILE '/tmp/x'",
        "SELECT id FROM tmsk LIMIT 1 INTO @stolen",
        "SELECT * FROM tmsk FOR SHARE",
        "SELECT * FROM tmsk FOR  UPDATE NOWAIT",
        "SELECT * FROM tmsk LOCK IN SHARE MODE",
        "SELECT * FROM (SELECT * FROM tmsk FOR UPDATE) x",
        "SELECT LOAD_FILE('/etc/passwd')",
        "SELECT @x := 1",
        "SELECT 1 /*!50000 ; DELETE FROM tmsk */",
        "SELECT 1 -- \nFOR UPDATE",
        "SELECT 1 # hidden",
        "SELECT 1; SELECT 2",
        "SELECT 'unterminated",
        "WITH x AS (SELECT 1) SELECT * FROM x",
        "DO SLEEP(1)",
        "HANDLER tmsk OPEN",
        "EXPLAIN SELECT 1",
        "GRANT ALL ON *.* TO x",
        "",
    ],
)
def test_guard_allowlist_refuses(sql):
    with pytest.raises(source.WriteRefused):
        source.guard_statement(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id FROM tmsk WHERE no_surat = 'INTO OUTFILE /* -- # ;'",
        "SELECT `for update` FROM x",
        "(SELECT 1) UNION (SELECT 2)",
        "SHOW GRANTS FOR CURRENT_USER()",
        "SELECT id FROM tmpermohonan WHERE id > %s ORDER BY id LIMIT %s",
        "SELECT 5--1 AS x",
    ],
)
def test_guard_allowlist_allows_reads(sql):
    source.guard_statement(sql)


def test_guard_refuses_before_the_server_sees_it(dirty_db):
    """``SET SESSION transaction_read_only=0`` would undo layer 2: never sent."""
    name, url = dirty_db
    with source.Source(url) as src:
        with pytest.raises(source.WriteRefused):
            src.all("SET SESSION transaction_read_only=0")
        assert src.scalar("SELECT @@session.tx_read_only AS ro") == 1
        with pytest.raises(source.WriteRefused):
            src.all("SELECT * FROM tmsk INTO/**/OUTFILE '/tmp/sicantik_stolen'")
        with pytest.raises(source.WriteRefused):
            src.all("SELECT id FROM tmsk FOR SHARE")


# ----------------------------------------------------------------------
# the account check (real MariaDB users, dropped afterwards)
# ----------------------------------------------------------------------
@pytest.fixture
def make_user(dirty_db):
    """Create MariaDB users (and roles) for one test; drop them after."""
    name, _url = dirty_db
    created = []

    def make(suffix, *grants):
        user = f"sec_{suffix}_{os.getpid()}"[:30]
        admin_sql(None, f"DROP USER IF EXISTS '{user}'@'%'")
        admin_sql(None, f"CREATE USER '{user}'@'%' IDENTIFIED BY 'sec-pass'")
        created.append(("USER", f"'{user}'@'%'"))
        for grant in grants:
            admin_sql(None, grant.format(db=name, user=f"'{user}'@'%'"))
        return db_url(name, user, "sec-pass")

    def role(suffix, *grants):
        role_name = f"sec_role_{suffix}_{os.getpid()}"[:30]
        admin_sql(None, f"DROP ROLE IF EXISTS {role_name}")
        admin_sql(None, f"CREATE ROLE {role_name}")
        created.append(("ROLE", role_name))
        for grant in grants:
            admin_sql(None, grant.format(db=name, role=role_name))
        return role_name

    make.role = role
    yield make
    source.dispose_all()
    for kind, who in reversed(created):
        admin_sql(None, f"DROP {kind} IF EXISTS {who}")


def _problems(url):
    with source.Source(url) as src:
        return src.account_problems()


def test_select_only_account_passes(make_user):
    url = make_user("ro", "GRANT SELECT, SHOW VIEW ON `{db}`.* TO {user}")
    assert _problems(url) == []


@pytest.mark.parametrize(
    ("grant", "finding"),
    [
        ("GRANT FILE ON *.* TO {user}", "FILE"),
        ("GRANT CREATE ON `{db}`.* TO {user}", "CREATE"),
        ("GRANT INSERT ON `{db}`.* TO {user}", "INSERT"),
        ("GRANT UPDATE (no_surat) ON `{db}`.tmsk TO {user}", "UPDATE"),
        ("GRANT DELETE ON `{db}`.* TO {user}", "DELETE"),
        (
            "GRANT CREATE TEMPORARY TABLES ON `{db}`.* TO {user}",
            "CREATE TEMPORARY TABLES",
        ),
        ("GRANT SELECT ON `{db}`.* TO {user} WITH GRANT OPTION", "GRANT OPTION"),
    ],
)
def test_account_with_more_than_select_is_reported(make_user, grant, finding):
    url = make_user("w", "GRANT SELECT ON `{db}`.* TO {user}", grant)
    assert finding in _problems(url)


def test_account_with_a_role_is_reported(make_user):
    """A role's privileges are not in SHOW GRANTS: any role is refused."""
    role = make_user.role("w", "GRANT INSERT, DELETE ON `{db}`.* TO {role}")
    url = make_user(
        "r",
        "GRANT SELECT ON `{db}`.* TO {user}",
        f"GRANT {role} TO {{user}}",
        f"SET DEFAULT ROLE {role} FOR {{user}}",
    )
    assert "role" in _problems(url)


def test_root_is_reported(dirty_db):
    _name, url = dirty_db
    assert {"ALL PRIVILEGES", "GRANT OPTION"} <= set(_problems(url))


def test_source_with_account_check_refuses_before_reading(make_user):
    """What the Odoo side opens: an account with FILE never reads a row."""
    url = make_user(
        "f", "GRANT SELECT ON `{db}`.* TO {user}", "GRANT FILE ON *.* TO {user}"
    )
    with pytest.raises(source.AccountRefused, match="FILE") as err:
        with source.Source(url, check_account=True) as src:
            src.all("SELECT COUNT(*) AS c FROM tmpermohonan")
    assert "sec-pass" not in str(err.value)
    ro = make_user("ok", "GRANT SELECT ON `{db}`.* TO {user}")
    with source.Source(ro, check_account=True) as src:
        assert src.scalar("SELECT COUNT(*) AS c FROM tmpermohonan") == 80
