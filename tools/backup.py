#!/usr/bin/env python3
"""Backups of SICANTIK Companion: database, filestore, document bucket, audit anchors.

A snapshot is a folder ``<target>/<UTC timestamp>/`` holding

- ``odoo.dump``    — ``pg_dump --format=custom`` of the Odoo database;
- ``filestore/``   — Odoo's attachment filestore of that database (if any);
- ``s3/<bucket>/`` — every object of the configured buckets (documents, audit
  anchors and archives), byte for byte;
- ``manifest.json`` — what is inside, with the SHA-256 of every file and the row
  counts of the SICANTIK tables, written last: a snapshot without a manifest is
  incomplete and is ignored by ``restore`` and by retention.

Objects are immutable in our buckets (a new version is a new key), so an object
already present in the previous snapshot with the same size and ETag is
hard-linked instead of downloaded again: daily snapshots of a large bucket cost
only the new documents.  ``restore`` rebuilds a *fresh* database and bucket from a
snapshot and checks every byte against the manifest before it reports success.

Usage (from the repository root; settings as for `make run`, see odoo.conf)::

    .venv/bin/python tools/backup.py backup  --db sicantik --target /backups [--keep 7]
    .venv/bin/python tools/backup.py restore --snapshot /backups/20261128T020000Z \\
        --db sicantik_restored [--bucket-suffix -restored]

Every run prints one line of JSON.  ``make backup`` / ``make restore`` wrap it.

Snapshots are owner-only (umask 077, folders 0700, files 0600): they hold the
whole database (NIK, addresses, password hashes) and every document object, so
another account on the backup host must not read them.  Copied filestore
files and hard-linked objects of older snapshots are tightened too, since a
copy keeps the source's mode and a link shares it.
"""

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stack  # noqa: E402

CHUNK = 1024 * 1024
#: Nobody but the backup's owner reads a snapshot.
UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def pg_env(conf):
    params = stack.pg_params(conf)
    env = dict(os.environ)
    env.update(
        PGHOST=params["host"],
        PGPORT=str(params["port"]),
        PGUSER=params["user"],
        PGPASSWORD=params["password"],
    )
    return env


def s3_client(conf):
    """The addons' S3 factory over odoo.conf and the environment; a whole
    bucket is copied, so reads may take long."""
    return stack.s3_client(stack.settings_of_conf(conf), read_timeout=300)


def buckets(conf):
    """The document bucket, plus extra buckets an operator lists.

    sicantik_audit writes its anchors and archives into the *document* bucket,
    under ``<sicantik_audit_s3_prefix>/<database uuid>/`` (default prefix
    ``sicantik-audit``), so mirroring that bucket already takes the audit
    evidence along; ``sicantik_backup_extra_buckets`` (comma-separated) is for
    anything an office keeps beside it.
    """
    names = [stack.setting(conf, "sicantik_s3_bucket")]
    value = stack.setting(conf, "sicantik_backup_extra_buckets")
    if value:
        names.extend(v.strip() for v in str(value).split(",") if v.strip())
    return [n for n in dict.fromkeys(names) if n]


def audit_prefix(conf):
    """Where sicantik_audit keeps anchors in the document bucket."""
    return str(stack.setting(conf, "sicantik_audit_s3_prefix", "sicantik-audit"))


def table_counts(conf, db):
    """Row counts of our tables: the restore check compares them one by one."""
    with contextlib.closing(stack.pg_connect(conf, db)) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' "
            "AND table_name LIKE 'sicantik\\_%' ORDER BY table_name"
        )
        counts = {}
        for (table,) in cur.fetchall():
            cur.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cur.fetchone()[0]
        return counts


def previous_snapshot(target):
    done = sorted(p for p in Path(target).glob("*/manifest.json"))
    return done[-1].parent if done else None


def mirror_bucket(client, bucket, dest, previous):
    """Copy every object of ``bucket`` under ``dest``; hard-link unchanged ones."""
    old = {}
    if previous:
        manifest = json.loads((previous / "manifest.json").read_text())
        old = {(o["bucket"], o["key"]): o for o in manifest.get("objects", [])}
    objects = []
    if not client.bucket_exists(bucket):
        return objects
    for obj in client.list_objects(bucket, recursive=True):
        path = dest / obj.object_name
        path.parent.mkdir(parents=True, exist_ok=True)
        before = old.get((bucket, obj.object_name))
        if (
            before
            and before["size"] == obj.size
            and before["etag"] == obj.etag
            and (previous / before["path"]).is_file()
        ):
            os.link(previous / before["path"], path)
            digest = before["sha256"]
        else:
            response = client.get_object(bucket, obj.object_name)
            try:
                digest_obj = hashlib.sha256()
                with open(path, "wb") as fh:
                    for block in response.stream(CHUNK):
                        fh.write(block)
                        digest_obj.update(block)
                digest = digest_obj.hexdigest()
            finally:
                response.close()
                response.release_conn()
        objects.append(
            {
                "bucket": bucket,
                "key": obj.object_name,
                "size": obj.size,
                "etag": obj.etag,
                "sha256": digest,
                "path": str(path.relative_to(dest.parent.parent)),
            }
        )
    return objects


def owner_only(root):
    """Folders 0700 and files 0600 under ``root`` (and ``root`` itself)."""
    root = Path(root)
    os.chmod(root, DIR_MODE)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            os.chmod(Path(dirpath) / name, DIR_MODE, follow_symlinks=False)
        for name in filenames:
            path = Path(dirpath) / name
            if not path.is_symlink():
                os.chmod(path, FILE_MODE)


def apply_retention(target, keep):
    snapshots = sorted(p.parent for p in Path(target).glob("*/manifest.json"))
    removed = []
    for old in snapshots[:-keep] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
        removed.append(old.name)
    return removed


def cmd_backup(args):
    # only the backup: a restore writes Odoo's own filestore, whose modes are
    # Odoo's business
    os.umask(UMASK)
    conf = stack.read_conf()
    started = time.monotonic()
    target = Path(args.target)
    if not target.exists():
        target.mkdir(mode=DIR_MODE, parents=True)
    previous = previous_snapshot(target)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    snap = target / stamp
    snap.mkdir(mode=DIR_MODE)
    dump = snap / "odoo.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", args.db],
        env=pg_env(conf),
        check=True,
    )
    filestore = Path(args.data_dir) / "filestore" / args.db
    files = []
    if filestore.is_dir():
        shutil.copytree(filestore, snap / "filestore")
        files = [
            {"path": str(p.relative_to(snap)), "sha256": sha256_file(p)}
            for p in sorted((snap / "filestore").rglob("*"))
            if p.is_file()
        ]
    client = s3_client(conf)
    objects = []
    for bucket in buckets(conf):
        objects += mirror_bucket(client, bucket, snap / "s3" / bucket, previous)
    manifest = {
        "format": 1,
        "created": stamp,
        "database": args.db,
        "dump": {"path": "odoo.dump", "sha256": sha256_file(dump)},
        "filestore": files,
        "buckets": buckets(conf),
        "objects": objects,
        "table_counts": table_counts(conf, args.db),
    }
    # before the manifest: a snapshot is complete only once it is owner-only
    owner_only(snap)
    tmp = snap / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    os.chmod(tmp, FILE_MODE)
    tmp.rename(snap / "manifest.json")
    removed = apply_retention(target, args.keep)
    summary = {
        "snapshot": str(snap),
        "objects": len(objects),
        # Anchors and archives are in the snapshot: a backup without them
        # could not prove after a restore that the trail was not rewritten.
        "audit_objects": sum(
            1 for o in objects if o["key"].startswith(audit_prefix(conf) + "/")
        ),
        "bytes": sum(o["size"] for o in objects),
        "tables": len(manifest["table_counts"]),
        "removed": removed,
        "seconds": round(time.monotonic() - started, 2),
    }
    print(json.dumps(summary), flush=True)
    return 0


def verify_snapshot(snap, manifest):
    """Every file of the snapshot still has the hash the manifest recorded."""
    bad = []
    if sha256_file(snap / manifest["dump"]["path"]) != manifest["dump"]["sha256"]:
        bad.append(manifest["dump"]["path"])
    for entry in manifest["filestore"] + manifest["objects"]:
        path = snap / entry["path"]
        if not path.is_file() or sha256_file(path) != entry["sha256"]:
            bad.append(entry["path"])
    return bad


def cmd_restore(args):
    conf = stack.read_conf()
    started = time.monotonic()
    snap = Path(args.snapshot)
    manifest = json.loads((snap / "manifest.json").read_text())
    bad = verify_snapshot(snap, manifest)
    if bad:
        print(json.dumps({"error": "snapshot damaged", "files": bad[:20]}), flush=True)
        return 2
    if stack.pg_database_exists(conf, args.db):
        print(json.dumps({"error": f"database {args.db} exists"}), flush=True)
        return 2
    env = pg_env(conf)
    subprocess.run(["createdb", args.db], env=env, check=True)
    subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            f"--dbname={args.db}",
            str(snap / manifest["dump"]["path"]),
        ],
        env=env,
        check=True,
    )
    if manifest["filestore"]:
        dest = Path(args.data_dir) / "filestore" / args.db
        shutil.copytree(snap / "filestore", dest, dirs_exist_ok=True)
    client = s3_client(conf)
    # A bucket only gets Object Lock when it is created (the restored objects
    # themselves carry no retention: docs/operations.md).
    object_lock = stack.setting_flag(conf, "sicantik_s3_object_lock")
    restored = 0
    for obj in manifest["objects"]:
        bucket = obj["bucket"] + args.bucket_suffix
        if not client.bucket_exists(bucket):
            client.make_bucket(bucket, object_lock=object_lock)
        path = snap / obj["path"]
        with open(path, "rb") as fh:
            client.put_object(
                bucket, obj["key"], fh, path.stat().st_size, part_size=16 * CHUNK
            )
        restored += 1
    # Read everything back from the restored bucket and database: the restore is
    # only done when what is live again matches what was backed up.
    mismatches = []
    for obj in manifest["objects"]:
        response = client.get_object(obj["bucket"] + args.bucket_suffix, obj["key"])
        try:
            digest = hashlib.sha256()
            for block in response.stream(CHUNK):
                digest.update(block)
        finally:
            response.close()
            response.release_conn()
        if digest.hexdigest() != obj["sha256"]:
            mismatches.append(obj["key"])
    counts = table_counts(conf, args.db)
    count_diff = {
        t: (n, counts.get(t))
        for t, n in manifest["table_counts"].items()
        if counts.get(t) != n
    }
    summary = {
        "database": args.db,
        "objects": restored,
        "object_mismatches": mismatches,
        "count_mismatches": count_diff,
        "seconds": round(time.monotonic() - started, 2),
    }
    print(json.dumps(summary), flush=True)
    return 1 if mismatches or count_diff else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", default=str(stack.LOCAL / "odoo-data"), help="Odoo data_dir"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_backup = sub.add_parser("backup")
    p_backup.add_argument("--db", default=os.environ.get("SICANTIK_DB", "sicantik"))
    p_backup.add_argument(
        "--target", default=os.environ.get("SICANTIK_BACKUP_DIR", ".local/backups")
    )
    p_backup.add_argument("--keep", type=int, default=7, help="snapshots to keep")
    p_backup.set_defaults(func=cmd_backup)
    p_restore = sub.add_parser("restore")
    p_restore.add_argument("--snapshot", required=True)
    p_restore.add_argument("--db", required=True, help="new database to create")
    p_restore.add_argument("--bucket-suffix", default="")
    p_restore.set_defaults(func=cmd_restore)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
