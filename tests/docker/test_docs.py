"""The install and upgrade commands of the documentation are the ones the
Docker test (tools/docker_test.py) runs, and they install every addon: the
list is discovered in the image (entrypoint ``addons``), so an addon added
later needs no documentation change."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "docker" / "README.md", ROOT / "docs" / "operations.md"]
DISCOVER = "ADDONS=$($C run --rm -T --no-deps odoo_companion addons)"


def test_entrypoint_lists_every_addon():
    result = subprocess.run(
        ["sh", str(ROOT / "docker" / "odoo" / "entrypoint.sh"), "addons"],
        env={
            "SICANTIK_ADDONS_PATH": str(ROOT / "odoo_addons"),
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    addons = sorted(p.parent.name for p in ROOT.glob("odoo_addons/*/__manifest__.py"))
    assert "sicantik_officer" in addons
    assert result.stdout.strip() == ",".join(addons)


def test_docs_install_and_upgrade_what_the_image_holds():
    for doc in DOCS:
        text = doc.read_text()
        commands = re.findall(r"odoo ((?:-[iu] \S+ )+)--stop-after-init", text)
        assert {c.strip() for c in commands} == {
            '-i "$ADDONS"',
            '-i "$ADDONS" -u "$ADDONS"',
        }, (doc, commands)
        assert text.count(DISCOVER) >= 2, doc.name


def test_the_test_runs_the_documented_commands():
    source = (ROOT / "tools" / "docker_test.py").read_text()
    assert '"--no-deps", "odoo_companion", "addons"' in source
    assert "argv += [flag, addons]" in source
    assert '_install_addons("-i", "-u")' in source
