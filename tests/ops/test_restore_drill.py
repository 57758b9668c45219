"""Restore drill: back up a database with real content, destroy it, restore it.

Why a drill in the test suite: a backup is only worth what its restore proves.
Against the harness's real services (PostgreSQL, the SICANTIK sandbox MySQL, S3)
the drill

1. copies the harness's Odoo database (``SICANTIK_TEST_ODOO_DB``, addons
   installed) into ``<db>_drill_src`` and fills it with real work through the
   addons' own entry points: a sync cycle (``odoo-bin sicantik_sync run``), a
   folder import of the sandbox's PDFs, audit events and an S3 anchor
   (``odoo-bin sicantik_audit anchor``), all in a private bucket;
2. backs it up with ``tools/backup.py backup``;
3. destroys it: drops the database, deletes every object and the bucket;
4. restores with ``tools/backup.py restore`` into a *new* database and the
   *same* bucket name, then checks, independently of the tool's own report,
   the row counts against the manifest, every document object's SHA-256, and
   the audit chain with its anchors (``odoo-bin sicantik_audit verify``).

Everything it creates (two databases, a bucket, temporary folders) is removed
at the end, whatever failed.
"""

import base64
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
import stack  # noqa: E402

BACKUP = REPO / "tools" / "backup.py"
DRILL_SHELL = """
totals = env["sicantik.document.import"]._import_cycle()
Event = env["sicantik.audit.event"]
for i in range(3):
    Event.log("ops.restore_drill", summary=f"restore drill event {i}")
env.cr.commit()
print("DRILL " + json.dumps(totals))
"""


def _require_harness():
    needed = (
        "SICANTIK_TEST_ODOO_DB",
        "SICANTIK_S3_ENDPOINT",
        "SICANTIK_MYSQL_URL",
        "SICANTIK_UPLOAD_ROOT",
    )
    missing = [name for name in needed if not os.environ.get(name)]
    if missing:
        pytest.skip(f"harness settings missing: {', '.join(missing)}")


def _run(argv, env, timeout=300):
    proc = subprocess.run(
        argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )
    return proc


def _last_json(text):
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise AssertionError(f"no JSON line in output:\n{text[-2000:]}")


def _object_sha256(client, bucket, key):
    response = client.get_object(bucket, key)
    try:
        digest = hashlib.sha256()
        for block in response.stream(1024 * 1024):
            digest.update(block)
        return digest.hexdigest()
    finally:
        response.close()
        response.release_conn()


def _empty_bucket(client, bucket):
    """Delete every object and the bucket itself (the disaster)."""
    if not client.bucket_exists(bucket):
        return
    for obj in client.list_objects(bucket, recursive=True):
        client.remove_object(bucket, obj.object_name)
    client.remove_bucket(bucket)


def _pg_env(conf):
    params = stack.pg_params(conf)
    return dict(
        os.environ,
        PGHOST=params["host"],
        PGPORT=str(params["port"]),
        PGUSER=params["user"],
        PGPASSWORD=params["password"],
    )


def test_backup_destroy_restore(tmp_path):
    _require_harness()
    conf = stack.read_conf()
    source_db = os.environ["SICANTIK_TEST_ODOO_DB"]
    if not stack.pg_database_exists(conf, source_db):
        pytest.skip(f"harness database {source_db} not present")
    started = time.monotonic()
    tag = uuid.uuid4().hex[:8]
    src = f"{source_db}_drill_src"
    restored = f"{source_db}_drill_rst"
    bucket = f"drill-{tag}"
    data_dir = Path(tempfile.mkdtemp(prefix="sicantik-drill-data-"))
    target = tmp_path / "backups"
    env = stack.odoo_env(
        {
            # The drill's own bucket: it cannot touch other tests' objects.
            "SICANTIK_S3_BUCKET": bucket,
            "SICANTIK_AUDIT_S3_PREFIX": "sicantik-audit",
            "SICANTIK_DOC_IMPORT_BATCH": "500",
            # every imported original is encrypted: no key, nothing stored
            "SICANTIK_DOC_KEY": os.environ.get("SICANTIK_DOC_KEY")
            or base64.b64encode(os.urandom(32)).decode(),
            "SICANTIK_DOC_KEY_ID": os.environ.get("SICANTIK_DOC_KEY_ID") or "drill",
        }
    )
    pg_env = _pg_env(conf)

    def odoo_cli(*words, database):
        """``odoo-bin <command> …`` for a database, on the drill's data dir.

        Odoo looks for a command only in its first argument, or right after a
        leading --addons-path (which also makes the addons' commands known).
        """
        argv = stack.odoo_argv(conf)
        addons = next(a for a in argv if a.startswith("--addons-path="))
        return [
            argv[0],
            argv[1],
            addons,
            *words,
            *[a for a in argv[2:] if a != addons],
            f"--data-dir={data_dir}",
            "-d",
            database,
            "--log-level=warn",
        ]

    client = None
    try:
        client = stack.s3_client(stack.settings_of_conf(conf))
        client.make_bucket(bucket)

        # 1. A source database with real content. `createdb -T` refuses a
        # template with open connections (the harness's pytest session holds
        # some), hence dump and restore.
        stack.drop_pg_database(conf, src)
        subprocess.run(["createdb", src], env=pg_env, check=True)
        dump = subprocess.Popen(
            ["pg_dump", "--format=custom", "--no-owner", source_db],
            env=pg_env,
            stdout=subprocess.PIPE,
        )
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={src}"],
            env=pg_env,
            stdin=dump.stdout,
            check=True,
        )
        dump.stdout.close()
        assert dump.wait() == 0
        # A copy of a database keeps its uuid: give the copy its own, so its
        # anchors never mix with the harness database's. Documents other
        # suites committed there name objects in *their* bucket, which this
        # drill neither backs up nor may touch: the copy starts without them.
        with (
            contextlib.closing(stack.pg_connect(conf, src)) as conn,
            conn.cursor() as cur,
        ):
            cur.execute(
                "UPDATE ir_config_parameter SET value = %s "
                "WHERE key = 'database.uuid'",
                [str(uuid.uuid4())],
            )
            cur.execute(
                "DELETE FROM ir_config_parameter "
                "WHERE key = 'sicantik_documents.import_cursor'"
            )
            cur.execute("TRUNCATE sicantik_document CASCADE")

        sync = _run(odoo_cli("sicantik_sync", "run", database=src), env)
        assert sync.returncode == 0, sync.stderr[-3000:]
        sync_report = _last_json(sync.stdout)
        assert sync_report["state"] == "done", sync_report
        shell = subprocess.run(
            [*odoo_cli("shell", database=src), "--no-http"],
            input="import json\n" + DRILL_SHELL,
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert shell.returncode == 0, shell.stderr[-3000:]
        line = next(
            (x for x in shell.stdout.splitlines() if x.startswith("DRILL ")), None
        )
        assert line, shell.stdout[-2000:] + shell.stderr[-2000:]
        imported = json.loads(line[len("DRILL ") :])
        assert imported.get("imported", 0) > 0, imported
        anchor = _run(odoo_cli("sicantik_audit", "anchor", database=src), env)
        assert anchor.returncode == 0, anchor.stdout + anchor.stderr[-3000:]

        # 2. Backup.
        backup = _run(
            [
                sys.executable,
                str(BACKUP),
                f"--data-dir={data_dir}",
                "backup",
                "--db",
                src,
                "--target",
                str(target),
                "--keep",
                "2",
            ],
            env,
        )
        assert backup.returncode == 0, backup.stderr[-3000:]
        summary = _last_json(backup.stdout)
        snapshot = Path(summary["snapshot"])
        manifest = json.loads((snapshot / "manifest.json").read_text())
        assert manifest["buckets"] == [bucket]
        assert summary["audit_objects"] > 0, "anchors are in the snapshot"
        counts = manifest["table_counts"]
        assert counts["sicantik_permit"] > 0
        assert counts["sicantik_document"] > 0
        assert counts["sicantik_audit_event"] > 0

        # 3. Disaster: the database, its filestore and the bucket are gone.
        stack.drop_pg_database(conf, src)
        shutil.rmtree(data_dir / "filestore" / src, ignore_errors=True)
        _empty_bucket(client, bucket)
        assert not client.bucket_exists(bucket)

        # 4. Restore into a new database, same bucket name.
        stack.drop_pg_database(conf, restored)
        restore = _run(
            [
                sys.executable,
                str(BACKUP),
                f"--data-dir={data_dir}",
                "restore",
                "--snapshot",
                str(snapshot),
                "--db",
                restored,
            ],
            env,
        )
        assert restore.returncode == 0, restore.stdout + restore.stderr[-3000:]

        # Row counts, read here rather than trusting the tool's own check.
        with (
            contextlib.closing(stack.pg_connect(conf, restored)) as conn,
            conn.cursor() as cur,
        ):
            for table, expected in counts.items():
                cur.execute(f'SELECT count(*) FROM "{table}"')
                assert cur.fetchone()[0] == expected, table
            cur.execute(
                "SELECT id, object_key, object_sha256 FROM sicantik_document "
                "WHERE object_key IS NOT NULL ORDER BY id"
            )
            documents = cur.fetchall()
        assert documents, "the drill stored documents"
        backed_up = {o["key"] for o in manifest["objects"]}
        assert {key for _id, key, _sha in documents} <= backed_up
        # object_sha256 is the hash of the bytes as stored (ciphertext for an
        # encrypted version, the PDF itself otherwise): no key is needed.
        for doc_id, key, expected in documents:
            assert _object_sha256(client, bucket, key) == expected, (doc_id, key)

        verify = _run(odoo_cli("sicantik_audit", "verify", database=restored), env)
        report = _last_json(verify.stdout)
        assert verify.returncode == 0, (report, verify.stderr[-3000:])
        assert report["ok"] is True
        assert report["anchors"]["ok"] is True
        assert report["anchors"]["checked"] > 0, report["anchors"]
        elapsed = time.monotonic() - started
        print(
            "restore drill: "
            + json.dumps(
                {
                    "permits": counts["sicantik_permit"],
                    "documents": len(documents),
                    "audit_events": counts["sicantik_audit_event"],
                    "anchors_checked": report["anchors"]["checked"],
                    "objects": summary["objects"],
                    "seconds": round(elapsed, 1),
                }
            )
        )
        assert elapsed < 240
    finally:
        for name in (src, restored):
            with contextlib.suppress(Exception):
                stack.drop_pg_database(conf, name)
        if client is not None:
            with contextlib.suppress(Exception):
                _empty_bucket(client, bucket)
        shutil.rmtree(data_dir, ignore_errors=True)
