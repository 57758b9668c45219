"""`make run`/`make test` fetch Odoo's source themselves when it is missing.

Against a local bare repository standing in for Odoo's (or an office's own
mirror): the fetch is a shallow clone of the branch into the folder, and a
failed fetch stops loudly and leaves nothing that looks like a checkout.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "tools" / "stack.py"


def git(*args, cwd=None):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def upstream(tmp_path):
    """A bare repository with an 18.0 branch shaped like Odoo's tree."""
    work = tmp_path / "work"
    (work / "odoo").mkdir(parents=True)
    (work / "odoo-bin").write_text("#!/usr/bin/env python3\n")
    (work / "odoo" / "release.py").write_text("version_info = (18, 0, 0)\n")
    git("init", "-q", "-b", "18.0", cwd=work)
    git("add", "-A", cwd=work)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "odoo", cwd=work)
    (work / "odoo" / "later.py").write_text("x = 1\n")
    git("add", "-A", cwd=work)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "two", cwd=work)
    bare = tmp_path / "odoo.git"
    git("clone", "-q", "--bare", str(work), str(bare))
    return bare


def check_odoo(target, url, *extra):
    env = dict(os.environ, ODOO_SRC=str(target), ODOO_GIT_URL=url)
    return subprocess.run(
        [sys.executable, str(STACK), "check-odoo", *extra],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_missing_source_is_fetched_shallow(tmp_path, upstream):
    target = tmp_path / "odoo-src" / "18.0"
    proc = check_odoo(target, upstream.as_uri(), "--fetch")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(target)
    assert (target / "odoo-bin").is_file()
    assert (target / "odoo" / "later.py").is_file()
    depth = subprocess.run(
        ["git", "rev-list", "--count", "HEAD"],
        cwd=target,
        capture_output=True,
        text=True,
        check=True,
    )
    assert depth.stdout.strip() == "1"
    # present now: a second call fetches nothing and answers at once
    again = check_odoo(target, "file:///nonexistent.git", "--fetch")
    assert again.returncode == 0 and again.stdout.strip() == str(target)


def test_failed_fetch_stops_loudly_and_leaves_nothing(tmp_path):
    target = tmp_path / "odoo-src" / "18.0"
    proc = check_odoo(target, (tmp_path / "missing.git").as_uri(), "--fetch")
    assert proc.returncode == 2
    assert "fetching it failed" in proc.stderr
    assert "git clone -b 18.0 --depth 1" in proc.stderr
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_without_fetch_only_advice(tmp_path, upstream):
    target = tmp_path / "odoo-src" / "18.0"
    proc = check_odoo(target, upstream.as_uri())
    assert proc.returncode == 2
    assert "Odoo 18 source not found" in proc.stderr
    assert not target.exists()
