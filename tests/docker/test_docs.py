"""The install and upgrade commands of the documentation are the ones the
Docker test (tools/docker_test.py) runs, and they name every addon."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "docker" / "README.md", ROOT / "docs" / "operations.md"]


def tested_addons() -> str:
    tree = ast.parse((ROOT / "tools" / "docker_test.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "ADDONS":
            return ast.literal_eval(node.value)
    raise AssertionError("ADDONS not found in tools/docker_test.py")


def test_the_test_installs_every_addon():
    addons = {
        p.name
        for p in (ROOT / "odoo_addons").iterdir()
        if (p / "__manifest__.py").exists()
    }
    assert set(tested_addons().split(",")) == addons


def test_docs_install_and_upgrade_what_the_test_installs():
    addons = tested_addons()
    for doc in DOCS:
        commands = re.findall(r"odoo (-[iu]) (\S+) --stop-after-init", doc.read_text())
        assert {flag for flag, _ in commands} == {"-i", "-u"}, doc
        for flag, listed in commands:
            assert listed == addons, f"{doc.name}: odoo {flag} {listed}"
