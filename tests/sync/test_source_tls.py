"""SICANTIK's MySQL over TLS, against a real throw-away ``mariadbd``.

The server gets a certificate for ``localhost`` signed by a CA made for this
module (``docker/tls/make-dev-certs.sh``, the script the Docker stack uses);
a second, unrelated CA plays the wrong one.  Shown: the sync's source
connects with the CA and the host name checked, a wrong CA or a wrong host
name is refused with a clear error before anything is read, the health probe
reports the same, and the explicit opt-out connects in clear and says so.
"""

import shutil
import subprocess
import time

import pymysql
import pytest
from sicantik_sync_lib import probe as mysql_probe
from sicantik_sync_lib import source
from support import REPO_ROOT, STACK, load_lib

load_lib("sicantik_base")
from sicantik_base_lib import health, settings  # noqa: E402

MAKE_CERTS = REPO_ROOT / "docker" / "tls" / "make-dev-certs.sh"
USER, PASSWORD, DB = "sync_tls", "tls-pass", "sicantik_tls"

pytestmark = pytest.mark.skipif(
    not (shutil.which("mariadbd") and shutil.which("mariadb-install-db")),
    reason="needs MariaDB's server binaries (mariadbd, mariadb-install-db)",
)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """A mariadbd with TLS on a free port, one table, one SELECT-only user."""
    work = tmp_path_factory.mktemp("mysql-tls")
    for name in ("good", "wrong"):
        subprocess.run([str(MAKE_CERTS), str(work / name), "localhost"], check=True)
    datadir, sock = work / "data", work / "mysqld.sock"
    subprocess.run(
        [
            "mariadb-install-db",
            "--no-defaults",
            f"--datadir={datadir}",
            "--user=root",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ],
        check=True,
        capture_output=True,
    )
    port = STACK.free_port()
    good = work / "good"
    proc = subprocess.Popen(
        [
            "mariadbd",
            "--no-defaults",
            f"--datadir={datadir}",
            f"--socket={sock}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            "--user=root",
            "--skip-name-resolve",
            f"--ssl-ca={good / 'ca.crt'}",
            f"--ssl-cert={good / 'server.crt'}",
            f"--ssl-key={good / 'server.key'}",
            f"--pid-file={work / 'mysqld.pid'}",
            f"--log-error={work / 'error.log'}",
        ]
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = pymysql.connect(unix_socket=str(sock), user="root")
                break
            except pymysql.err.OperationalError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.3)
        with conn.cursor() as cur:
            for sql in (
                f"CREATE DATABASE {DB}",
                f"CREATE TABLE {DB}.tmsk (id INT PRIMARY KEY, no_surat VARCHAR(40))",
                f"INSERT INTO {DB}.tmsk VALUES (1, 'SK-1'), (2, 'SK-2')",
                f"CREATE USER '{USER}'@'%' IDENTIFIED BY '{PASSWORD}'",
                f"GRANT SELECT ON {DB}.* TO '{USER}'@'%'",
            ):
                cur.execute(sql)
        conn.commit()
        conn.close()
        yield {"port": port, "good_ca": str(good / "ca.crt"), "work": work}
    finally:
        source.dispose_all()
        proc.terminate()
        proc.wait(timeout=30)


def url(server, host="localhost"):
    return f"mysql+pymysql://{USER}:{PASSWORD}@{host}:{server['port']}/{DB}"


def test_tls_with_ca_and_host_check(tls_server):
    with source.Source(url(tls_server), tls_ca=tls_server["good_ca"]) as src:
        cipher = src.all("SHOW SESSION STATUS LIKE 'Ssl_cipher'")[0]["Value"]
        assert cipher, "session not encrypted"
        assert src.scalar("SELECT COUNT(*) AS n FROM tmsk") == 2


@pytest.mark.parametrize(
    "host, ca_name, reason",
    [
        ("localhost", "wrong", "certificate verify failed"),
        ("127.0.0.1", "good", "IP address mismatch"),
    ],
)
def test_wrong_ca_or_host_is_refused(tls_server, host, ca_name, reason):
    ca = str(tls_server["work"] / ca_name / "ca.crt")
    with pytest.raises(source.SourceError) as caught:
        with source.Source(url(tls_server, host), tls_ca=ca) as src:
            src.all("SELECT id FROM tmsk")  # never reached
    message = str(caught.value)
    assert message.startswith("TLS to SICANTIK refused"), message
    assert reason in message, message
    assert PASSWORD not in message
    probe = health.probe(
        lambda: mysql_probe.check_mysql(url(tls_server, host), tls_ca=ca)
    )
    assert probe["ok"] is False and reason in probe["detail"], probe


def test_missing_ca_file_is_a_config_error(tls_server):
    with pytest.raises(source.ConfigError, match="CA file cannot be read"):
        source.Source(url(tls_server), tls_ca=str(tls_server["work"] / "none.crt"))


def test_opt_out_connects_in_clear_and_says_so(tls_server):
    ca, state = settings.mysql_tls(environ={"SICANTIK_MYSQL_TLS": "false"}, conf={})
    assert (ca, state) == (None, "off (opt-out)")
    with source.Source(url(tls_server), tls_ca=ca) as src:
        assert src.all("SHOW SESSION STATUS LIKE 'Ssl_cipher'")[0]["Value"] == ""
        assert src.scalar("SELECT COUNT(*) AS n FROM tmsk") == 2


def test_settings_and_health_with_tls(tls_server):
    environ = {"SICANTIK_MYSQL_TLS_CA": tls_server["good_ca"]}
    ca, state = settings.mysql_tls(environ=environ, conf={})
    assert ca == tls_server["good_ca"] and state.startswith("on"), state
    probe = health.probe(lambda: mysql_probe.check_mysql(url(tls_server), tls_ca=ca))
    assert probe["ok"] is True, probe
    assert settings.mysql_tls(environ={}, conf={}) == (None, "off (not configured)")
    with pytest.raises(ValueError, match="names no CA file"):
        settings.mysql_tls(environ={"SICANTIK_MYSQL_TLS": "true"}, conf={})
