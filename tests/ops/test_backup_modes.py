"""Backups are owner-only: another account on the backup host reads nothing.

A snapshot holds the whole database and every document object.  The test runs
``tools/backup.py backup`` twice (the second run hard-links the unchanged
objects of the first) against a small real database, a real S3 bucket and a
filestore whose files were created world-readable, then checks the mode of
everything the tool wrote, whatever the umask of the caller.
"""

import contextlib
import io
import json
import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
import stack  # noqa: E402

BACKUP = REPO / "tools" / "backup.py"


def _s3_client(conf):
    return stack.s3_client(stack.settings_of_conf(conf))


def _modes(root):
    """``{relative path: permission bits}`` of everything under ``root``."""
    found = {".": stat.S_IMODE(os.stat(root).st_mode)}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            found[str(path.relative_to(root))] = stat.S_IMODE(os.lstat(path).st_mode)
    return found


def test_snapshots_are_owner_only(tmp_path):
    if not os.environ.get("SICANTIK_S3_ENDPOINT"):
        pytest.skip("SICANTIK_S3_* not set: no S3 server")
    conf = stack.read_conf()
    if not os.environ.get("SICANTIK_TEST_ODOO_DB"):
        pytest.skip("not run by the harness (tools/stack.py test): no PostgreSQL")
    tag = uuid.uuid4().hex[:8]
    db, bucket = f"sicantik_backup_modes_{tag}", f"backup-modes-{tag}"
    client = _s3_client(conf)
    params = stack.pg_params(conf)
    pg_env = dict(
        os.environ,
        PGHOST=params["host"],
        PGPORT=str(params["port"]),
        PGUSER=params["user"],
        PGPASSWORD=params["password"],
    )
    data_dir, target = tmp_path / "data", tmp_path / "backups"
    subprocess.run(["createdb", db], env=pg_env, check=True)
    try:
        with contextlib.closing(stack.pg_connect(conf, db)) as conn:
            with conn.cursor() as cur:
                cur.execute("CREATE TABLE sicantik_secret (nik text)")
                cur.execute("INSERT INTO sicantik_secret VALUES ('3201234567890001')")
            conn.commit()
        client.make_bucket(bucket)
        for key in ("permits/1/a.pdf", "sicantik-audit/anchor.json"):
            client.put_object(bucket, key, io.BytesIO(b"%PDF- secret"), length=12)
        # Odoo's filestore, as a permissive umask leaves it
        store = data_dir / "filestore" / db / "ab"
        store.mkdir(parents=True)
        os.chmod(store, 0o755)
        (store / "abcdef").write_bytes(b"attachment with NIK")
        os.chmod(store / "abcdef", 0o644)
        env = stack.odoo_env({"SICANTIK_S3_BUCKET": bucket})
        argv = [
            sys.executable,
            str(BACKUP),
            f"--data-dir={data_dir}",
            "backup",
            "--db",
            db,
            "--target",
            str(target),
        ]
        snapshots = []
        old_umask = os.umask(0o022)  # the caller's umask must not matter
        try:
            for _run in range(2):
                proc = subprocess.run(
                    argv, cwd=REPO, env=env, capture_output=True, text=True
                )
                assert proc.returncode == 0, proc.stderr[-3000:]
                line = proc.stdout.strip().splitlines()[-1]
                snapshots.append(Path(json.loads(line)["snapshot"]))
        finally:
            os.umask(old_umask)
        assert snapshots[0] != snapshots[1]
        assert stat.S_IMODE(os.stat(target).st_mode) == 0o700
        for snap in snapshots:
            modes = _modes(snap)
            expected = {"odoo.dump", "manifest.json", "filestore/ab/abcdef"}
            assert expected <= set(modes), sorted(modes)
            assert f"s3/{bucket}/permits/1/a.pdf" in modes
            wrong = {
                path: oct(mode)
                for path, mode in modes.items()
                if mode != (0o700 if (snap / path).is_dir() else 0o600)
            }
            assert not wrong, wrong
        # the second snapshot shares the unchanged object with the first
        linked = snapshots[1] / "s3" / bucket / "permits" / "1" / "a.pdf"
        assert os.stat(linked).st_nlink == 2
    finally:
        stack.drop_pg_database(conf, db)
        if client.bucket_exists(bucket):
            for obj in client.list_objects(bucket, recursive=True):
                client.remove_object(bucket, obj.object_name)
            client.remove_bucket(bucket)
