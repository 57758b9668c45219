"""The Odoo image's entrypoint renders a valid odoo.conf from the environment.

The script is plain POSIX sh + awk, so it runs here as it runs in the image
(dash + mawk on Ubuntu): `entrypoint.sh render-config` writes $ODOO_RC from
$ODOO_CONF_TEMPLATE and exits without touching PostgreSQL or Odoo.
"""

from __future__ import annotations

import configparser
import os
import shutil
import stat
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
ENTRYPOINT = REPO / "docker" / "odoo" / "entrypoint.sh"
TEMPLATE = REPO / "docker" / "odoo" / "odoo.conf.template"

# Characters that break naive renderers (sed delimiters, shell expansion, URL
# syntax, INI comment markers) and a non-ASCII letter.
NASTY = "p@ss:w/rd %41 $HOME ${HOME} `id` $(id) \\n & | ; # é"

SAMPLE_ENV = {
    "ODOO_ADMIN_PASSWORD": "$pbkdf2-sha512$600000$c2FsdA$aGFzaA",
    "ODOO_DB_HOST": "postgres_companion",
    "ODOO_DB_PORT": "5432",
    "ODOO_DB_USER": "odoo",
    "ODOO_DB_PASSWORD": NASTY,
    "ODOO_DB_NAME": "sicantik_companion",
    "ODOO_WORKERS": "6",
    "ODOO_MAX_CRON_THREADS": "3",
    "SICANTIK_MYSQL_HOST": "sicantik-mysql",
    "SICANTIK_MYSQL_PORT": "3306",
    "SICANTIK_MYSQL_DB": "db_office",
    "SICANTIK_MYSQL_USER": "sicantik_ro",
    "SICANTIK_MYSQL_PASSWORD": NASTY,
    "SICANTIK_MYSQL_TLS_CA": "/etc/sicantik/certs/sicantik-mysql-ca.crt",
    "SICANTIK_S3_ACCESS_KEY": "sicantik-odoo",
    "SICANTIK_S3_SECRET_KEY": "test-s3-secret",
    "SICANTIK_DOC_KEY": "dGVzdC1rZXktbm90LWEtcmVhbC1zZWNyZXQtMDAwMDA=",
    "SICANTIK_DOC_KEY_ID": "doc-key-1",
    "REDIS_HOST": "redis_cache",
    "REDIS_PORT": "6379",
    "REDIS_PASSWORD": "r+/=?",
    "SICANTIK_BSRE_URL": "http://bsre_sandbox:8020",
    "SICANTIK_BSRE_USER": "esign",
    "SICANTIK_BSRE_PASSWORD": "test-bsre-password",
    "SICANTIK_PUBLIC_BASE_URL": "https://izin.example.go.id",
    "SICANTIK_AUDIT_ANCHOR_KEY": "test-anchor-key",
    "SICANTIK_AUDIT_SALT": "test-audit-salt",
    "SICANTIK_VERIFY_SALT": "test-verify-salt",
    "SICANTIK_APPLICANT_SECRET": "test-applicant-secret",
}


def available_awks() -> list[str]:
    """awk implementations to run the script with: the image uses mawk, Alpine
    and busybox-based images use busybox awk, many desktops gawk."""
    found = []
    for name in ("mawk", "gawk", "busybox"):
        if shutil.which(name):
            found.append(name)
    return found or ["awk"]


@pytest.fixture(params=available_awks())
def tool_path(request, tmp_path) -> str:
    """A PATH whose awk is the implementation under test."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    name = request.param
    target = shutil.which(name)
    if name == "busybox":
        wrapper = bin_dir / "awk"
        wrapper.write_text(f'#!/bin/sh\nexec "{target}" awk "$@"\n')
        wrapper.chmod(0o755)
    elif name != "awk":
        (bin_dir / "awk").symlink_to(target)
    return os.pathsep.join([str(bin_dir), os.environ.get("PATH", os.defpath)])


def run_entrypoint(tmp_path, env, *args, path=None, template=TEMPLATE):
    output = tmp_path / "etc" / "odoo.conf"
    output.parent.mkdir(exist_ok=True)
    full_env = {
        # A clean environment: the caller's SICANTIK_* or ODOO_* must not leak in.
        "PATH": path or os.environ.get("PATH", os.defpath),
        "ODOO_RC": str(output),
        "ODOO_CONF_TEMPLATE": str(template),
        **env,
    }
    result = subprocess.run(
        ["sh", str(ENTRYPOINT), *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return result, output


def read_conf(path: Path) -> configparser.SectionProxy:
    # Odoo reads its config file with RawConfigParser too.
    conf = configparser.RawConfigParser()
    conf.read(path, encoding="utf-8")
    return conf["options"]


def test_renders_production_config(tmp_path, tool_path):
    result, output = run_entrypoint(
        tmp_path, SAMPLE_ENV, "render-config", path=tool_path
    )
    assert result.returncode == 0, result.stderr
    text = output.read_text(encoding="utf-8")
    assert "${" not in text.replace("${HOME}", "")  # only the password's own text
    options = read_conf(output)
    assert options["list_db"] == "False"
    assert options["proxy_mode"] == "True"
    assert options["workers"] == "6"
    assert options["max_cron_threads"] == "3"
    assert options["db_host"] == "postgres_companion"
    assert options["db_name"] == "sicantik_companion"
    assert options["dbfilter"] == "^sicantik_companion$"
    assert options["addons_path"] == "/opt/sicantik/addons"
    assert options["data_dir"] == "/var/lib/odoo"
    assert options["sicantik_upload_root"] == "/mnt/sicantik_uploads"
    assert options["sicantik_timezone"] == "Asia/Jakarta"
    assert options["sicantik_s3_endpoint"] == "minio_documents:9001"
    assert options["sicantik_bsre_api_version"] == "v2"
    assert options["sicantik_bsre_ca_bundle"] == ""
    # Issue #13: MySQL over TLS by default, base URL frozen, replicas share
    # sessions (Redis) and attachments (PostgreSQL).
    assert options["sicantik_mysql_tls"] == "True"
    assert options["sicantik_mysql_tls_ca"] == SAMPLE_ENV["SICANTIK_MYSQL_TLS_CA"]
    assert options["sicantik_freeze_base_url"] == "True"
    assert options["sicantik_attachment_location"] == "db"
    assert options["server_wide_modules"].split(",")[-1] == "sicantik_base"
    assert options["sicantik_session_redis_url"] == options["sicantik_redis_url"]


def test_values_are_inserted_verbatim(tmp_path, tool_path):
    result, output = run_entrypoint(
        tmp_path, SAMPLE_ENV, "render-config", path=tool_path
    )
    assert result.returncode == 0, result.stderr
    options = read_conf(output)
    assert options["db_password"] == NASTY
    assert options["admin_passwd"] == SAMPLE_ENV["ODOO_ADMIN_PASSWORD"]
    assert options["sicantik_doc_key"] == SAMPLE_ENV["SICANTIK_DOC_KEY"]


def test_connection_urls_are_escaped(tmp_path, tool_path):
    result, output = run_entrypoint(
        tmp_path, SAMPLE_ENV, "render-config", path=tool_path
    )
    assert result.returncode == 0, result.stderr
    options = read_conf(output)

    mysql = urlsplit(options["sicantik_mysql_url"])
    assert mysql.scheme == "mysql+pymysql"
    assert mysql.hostname == "sicantik-mysql"
    assert mysql.port == 3306
    assert unquote(mysql.username) == "sicantik_ro"
    assert unquote(mysql.password) == NASTY
    assert mysql.path == "/db_office"
    assert mysql.query == "charset=utf8mb4"

    redis = urlsplit(options["sicantik_redis_url"])
    assert redis.scheme == "redis"
    assert (redis.hostname, redis.port, redis.path) == ("redis_cache", 6379, "/0")
    assert unquote(redis.password) == "r+/=?"


def test_explicit_urls_win(tmp_path):
    env = {
        key: value
        for key, value in SAMPLE_ENV.items()
        if not key.startswith(("SICANTIK_MYSQL_", "REDIS_PASSWORD"))
    }
    env["SICANTIK_MYSQL_URL"] = "mysql+pymysql://u:p@db:3306/x"
    env["SICANTIK_MYSQL_TLS"] = "False"
    env["SICANTIK_REDIS_URL"] = "redis://other:6379/2"
    result, output = run_entrypoint(tmp_path, env, "render-config")
    assert result.returncode == 0, result.stderr
    options = read_conf(output)
    assert options["sicantik_mysql_url"] == "mysql+pymysql://u:p@db:3306/x"
    assert options["sicantik_redis_url"] == "redis://other:6379/2"


def test_rendered_file_is_private(tmp_path):
    result, output = run_entrypoint(tmp_path, SAMPLE_ENV, "render-config")
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert [p.name for p in output.parent.iterdir()] == ["odoo.conf"]  # no temp left


@pytest.mark.parametrize(
    "missing",
    ["ODOO_ADMIN_PASSWORD", "ODOO_DB_PASSWORD", "SICANTIK_DOC_KEY", "REDIS_PASSWORD"],
)
def test_missing_secret_aborts(tmp_path, missing):
    env = {k: v for k, v in SAMPLE_ENV.items() if k != missing}
    result, output = run_entrypoint(tmp_path, env, "render-config")
    assert result.returncode != 0
    assert missing in result.stderr
    assert not output.exists()


@pytest.mark.parametrize(
    "change, message, explicit",
    [
        # MySQL: TLS needs its CA file, unless the office opts out.
        (
            {"SICANTIK_MYSQL_TLS_CA": None},
            "SICANTIK_MYSQL_TLS_CA",
            {"SICANTIK_MYSQL_TLS": "False"},
        ),
        # S3: plain HTTP only to the stack's own MinIO.
        (
            {"SICANTIK_S3_ENDPOINT": "s3.example.go.id:9000"},
            "SICANTIK_S3_SECURE=True",
            {"SICANTIK_S3_SECURE": "True"},
        ),
    ],
)
def test_links_in_clear_need_an_explicit_setting(tmp_path, change, message, explicit):
    env = {k: v for k, v in {**SAMPLE_ENV, **change}.items() if v is not None}
    result, output = run_entrypoint(tmp_path, env, "render-config")
    assert result.returncode != 0
    assert message in result.stderr
    assert not output.exists()
    result, output = run_entrypoint(tmp_path, {**env, **explicit}, "render-config")
    assert result.returncode == 0, result.stderr
    options = read_conf(output)
    for key, value in explicit.items():
        assert options[key.lower()] == value


def test_empty_required_value_aborts(tmp_path):
    result, output = run_entrypoint(
        tmp_path, {**SAMPLE_ENV, "SICANTIK_BSRE_PASSWORD": ""}, "render-config"
    )
    assert result.returncode != 0
    assert "SICANTIK_BSRE_PASSWORD" in result.stderr
    assert not output.exists()


def test_line_break_in_value_aborts(tmp_path, tool_path):
    env = {**SAMPLE_ENV, "SICANTIK_BSRE_USER": "esign\nworkers = 0"}
    result, output = run_entrypoint(tmp_path, env, "render-config", path=tool_path)
    assert result.returncode != 0
    assert "SICANTIK_BSRE_USER" in result.stderr
    assert not output.exists()


def test_non_integer_setting_aborts(tmp_path):
    result, _ = run_entrypoint(
        tmp_path, {**SAMPLE_ENV, "ODOO_WORKERS": "four"}, "render-config"
    )
    assert result.returncode != 0
    assert "ODOO_WORKERS" in result.stderr


def test_unknown_template_variable_aborts(tmp_path, tool_path):
    template = tmp_path / "broken.template"
    template.write_text(
        "[options]\nworkers = ${ODOO_WORKERS}\nx = ${NOT_SET_ANYWHERE}\n"
    )
    result, output = run_entrypoint(
        tmp_path, SAMPLE_ENV, "render-config", path=tool_path, template=template
    )
    assert result.returncode != 0
    assert "NOT_SET_ANYWHERE" in result.stderr
    assert not output.exists()


def test_other_commands_run_after_rendering(tmp_path):
    result, output = run_entrypoint(tmp_path, SAMPLE_ENV, "sh", "-c", "echo ran")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ran"
    assert read_conf(output)["workers"] == "6"
