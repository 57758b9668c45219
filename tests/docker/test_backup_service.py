"""The daily backup job: compose service ``backup_companion`` and its loop script.

Checked without Docker: the compose entry (image, mounts, settings, health
check), the Dockerfile copying the tools the job runs, and the POSIX loop
script itself, executed with ``sh`` the way the container's health check and
the loop run it (the snapshot itself is exercised by tests/ops's restore drill).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DOCKER = REPO / "docker"
LOOP = DOCKER / "backup" / "backup-loop.sh"


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((DOCKER / "docker-compose.yml").read_text())["services"]


def run_loop(*args, env=None, timeout=20):
    full = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    full.update(env or {})
    return subprocess.run(
        ["sh", str(LOOP), *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_service_runs_the_loop_from_the_odoo_image(services):
    backup, odoo = services["backup_companion"], services["odoo_companion"]
    assert backup["image"] == odoo["image"]
    assert backup["build"] == odoo["build"]
    assert backup["entrypoint"] == ["/opt/sicantik/tools/backup-loop.sh"]
    assert backup["command"] == ["loop"]
    assert set(backup["depends_on"]) == {"postgres_companion", "minio_documents"}
    test = backup["healthcheck"]["test"]
    assert test == ["CMD", "/opt/sicantik/tools/backup-loop.sh", "health"]
    assert not backup.get("ports")


def test_service_mounts(services):
    volumes = services["backup_companion"]["volumes"]
    assert "odoo_data:/var/lib/odoo:ro" in volumes
    backups = [v for v in volumes if v.endswith(":/backups")]
    required = "${BACKUP_HOST_PATH:?set BACKUP_HOST_PATH in docker/.env}"
    assert backups == [f"{required}:/backups"]
    env = services["backup_companion"]["environment"]
    assert env["BACKUP_DIR"] == "/backups"
    assert env["BACKUP_DATA_DIR"] == "/var/lib/odoo"


def test_service_settings_match_odoo(services):
    """Same database and bucket as Odoo, schedule and retention from .env."""
    backup = services["backup_companion"]["environment"]
    odoo = services["odoo_companion"]["environment"]
    assert backup["DB_HOST"] == odoo["ODOO_DB_HOST"]
    assert backup["DB_USER"] == odoo["ODOO_DB_USER"]
    assert backup["DB_PASSWORD"] == odoo["ODOO_DB_PASSWORD"]
    assert backup["ODOO_DB_NAME"] == odoo["ODOO_DB_NAME"]
    for key in (
        "SICANTIK_S3_ENDPOINT",
        "SICANTIK_S3_ACCESS_KEY",
        "SICANTIK_S3_SECRET_KEY",
        "SICANTIK_S3_BUCKET",
        "SICANTIK_S3_SECURE",
        "SICANTIK_S3_OBJECT_LOCK",
        "SICANTIK_TIMEZONE",
    ):
        assert backup[key] == odoo[key], key
    assert backup["BACKUP_HOUR"] == "${BACKUP_HOUR:-01}"
    assert backup["BACKUP_KEEP"] == "${BACKUP_KEEP:-14}"
    # The job never sees SICANTIK's database or its uploads.
    assert "sicantik_mysql" not in " ".join(services["backup_companion"]["networks"])
    assert not any("SICANTIK_MYSQL" in key for key in backup)


def test_dockerfile_copies_the_tools():
    text = (DOCKER / "Dockerfile").read_text()
    assert (
        "COPY tools/stack.py tools/backup.py docker/backup/backup-loop.sh "
        "/opt/sicantik/tools/" in text
    )
    # tools/stack.py is a thin CLI over the package next to it
    assert "COPY tools/sicantik_stack/ /opt/sicantik/tools/sicantik_stack/" in text


def test_loop_script_is_posix_and_executable():
    assert os.access(LOOP, os.X_OK)
    assert LOOP.read_text().startswith("#!/bin/sh\n")
    for shell in ("sh", "dash"):
        if shutil.which(shell):
            subprocess.run([shell, "-n", str(LOOP)], check=True)
    if shutil.which("shellcheck"):
        subprocess.run(["shellcheck", "-s", "sh", str(LOOP)], check=True)


@pytest.mark.parametrize("hour", ["24", "1a", "-1", "7.5"])
def test_loop_rejects_a_bad_hour(tmp_path, hour):
    result = run_loop("health", env={"BACKUP_HOUR": hour, "BACKUP_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "BACKUP_HOUR" in result.stderr


def test_loop_accepts_zero_padded_hours(tmp_path):
    for hour in ("00", "01", "08", "09", "23"):
        result = run_loop(
            "health",
            env={
                "BACKUP_HOUR": hour,
                "BACKUP_DIR": str(tmp_path),
                "BACKUP_STATE_DIR": str(tmp_path / "state"),
            },
        )
        assert result.returncode == 1, (hour, result.stderr)  # no snapshot yet


def test_health_follows_the_newest_manifest(tmp_path):
    env = {"BACKUP_DIR": str(tmp_path), "BACKUP_STATE_DIR": str(tmp_path / "st")}
    assert run_loop("health", env=env).returncode == 1
    manifest = tmp_path / "20261127T180000000000Z" / "manifest.json"
    manifest.parent.mkdir()
    manifest.write_text("{}")
    assert run_loop("health", env=env).returncode == 0
    old = time.time() - 27 * 3600
    os.utime(manifest, (old, old))
    assert run_loop("health", env=env).returncode == 1
    # an incomplete snapshot (no manifest) never counts
    (tmp_path / "20261128T180000000000Z").mkdir()
    assert run_loop("health", env=env).returncode == 1


def test_health_during_the_first_day(tmp_path):
    state = tmp_path / "state"
    env = {"BACKUP_DIR": str(tmp_path), "BACKUP_STATE_DIR": str(state)}
    state.mkdir()
    (state / "started").touch()
    (state / "heartbeat").touch()
    assert run_loop("health", env=env).returncode == 0
    stale = time.time() - 600
    os.utime(state / "heartbeat", (stale, stale))
    assert run_loop("health", env=env).returncode == 1, "the loop stopped turning"
    (state / "running").touch()
    assert run_loop("health", env=env).returncode == 0, "first snapshot running"
    older = time.time() - 27 * 3600
    os.utime(state / "started", (older, older))
    assert run_loop("health", env=env).returncode == 1, "a day without snapshot"


def test_loop_refuses_an_unwritable_target(tmp_path):
    missing = tmp_path / "absent"
    env = {"BACKUP_DIR": str(missing), "BACKUP_STATE_DIR": str(tmp_path / "s")}
    result = run_loop("loop", env=env)
    assert result.returncode == 2
    assert "BACKUP_HOST_PATH" in result.stderr
