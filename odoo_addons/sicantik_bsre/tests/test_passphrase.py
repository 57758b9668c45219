"""The passphrase is never stored or logged.

Two kinds of proof: (1) in the normal test transaction, the wizard drops the
value from create/write and the table has no such column; (2) with *committed*
data — the only data ``pg_dump`` sees — a real signing run is dumped and the
dump and every log line emitted at DEBUG during the call are searched.
"""

import hashlib
import io
import os
import shutil
import subprocess
import unittest
import uuid

from odoo import SUPERUSER_ID, api
from odoo.tests import JsonRpcException, TransactionCase, tagged
from odoo.tools import config, mute_logger

from .common import (
    ISSUE_NIK,
    ISSUE_PASSPHRASE,
    BsreCase,
    Sandbox,
    allow_tuple_timeouts,
    capture_all_logs,
    configured,
)


@tagged("post_install", "-at_install")
class TestWizardNeverStores(BsreCase):
    def test_create_and_write_drop_the_passphrase(self):
        request = self.make_request()
        wizard = (
            self.env["sicantik.sign.wizard"]
            .with_user(self.official)
            .create({"request_ids": [(6, 0, request.ids)], "passphrase": "Leak#1"})
        )
        wizard.write({"passphrase": "Leak#2"})
        wizard.invalidate_recordset()
        self.assertFalse(wizard.passphrase)
        self.env.cr.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = 'sicantik_sign_wizard'"
        )
        columns = {row[0] for row in self.env.cr.fetchall()}
        self.assertNotIn("passphrase", columns)
        self.env.cr.execute(
            "SELECT * FROM sicantik_sign_wizard WHERE id = %s", [wizard.id]
        )
        self.assertNotIn("Leak#", repr(self.env.cr.fetchall()))

    def test_rpc_path(self):
        """The POST the dialog's button makes, end to end, logs at DEBUG."""
        request = self.make_request()
        self.authenticate("bsre_official", "bsre_official")
        wizard = self.make_wizard(request)
        with capture_all_logs() as lines:
            result = self.make_jsonrpc_request(
                "/sicantik_bsre/sign",
                {"wizard_id": wizard.id, "passphrase": ISSUE_PASSPHRASE},
            )
        self.assertEqual(result["res_id"], wizard.id)
        request.invalidate_recordset()
        self.assertEqual(request.state, "signed")
        self.assertTrue(lines)
        self.assertFalse([line for line in lines if ISSUE_PASSPHRASE in line])

    def test_dialog_in_the_browser(self):
        """The real dialog (JS widget): signs, and nothing it sends is logged
        with the passphrase — not even the wizard's save, which goes through
        ``call_kw`` (whose arguments Odoo logs at DEBUG)."""
        request, lines = self.dialog_tour("sicantik_bsre_sign_dialog")
        request.invalidate_recordset()
        self.assertEqual(request.state, "signed")
        self.assertTrue([line for line in lines if "web_save" in line])
        self.assertFalse([line for line in lines if ISSUE_PASSPHRASE in line])
        self.env.cr.execute("SELECT * FROM sicantik_sign_wizard")
        self.assertNotIn(ISSUE_PASSPHRASE, repr(self.env.cr.fetchall()))

    def test_call_kw_cannot_reach_the_signing_method(self):
        """Private: call_kw (which logs its arguments) refuses it."""
        request = self.make_request()
        self.authenticate("bsre_official", "bsre_official")
        wizard = self.make_wizard(request)
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self.make_jsonrpc_request(
                "/web/dataset/call_kw/sicantik.sign.wizard/_action_sign",
                {
                    "model": "sicantik.sign.wizard",
                    "method": "_action_sign",
                    "args": [[wizard.id]],
                    "kwargs": {},
                },
            )
        self.assertEqual(self.sandbox.log(endpoint="v2.sign"), [])

    def test_other_users_cannot_use_a_wizard(self):
        request = self.make_request()
        wizard = self.make_wizard(request)
        self.authenticate("bsre_expired", "bsre_expired")
        with self.assertRaises(JsonRpcException), mute_logger("odoo.http"):
            self.make_jsonrpc_request(
                "/sicantik_bsre/sign", {"wizard_id": wizard.id, "passphrase": "x"}
            )
        self.assertEqual(self.sandbox.log(endpoint="v2.sign"), [])


@tagged("post_install", "-at_install")
class TestDatabaseDump(TransactionCase):
    """Sign with committed data, dump the database, grep for the passphrase.

    Leaves the committed rows (and one S3 object) in the test database: stored
    document versions are evidence and cannot be deleted by design.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        allow_tuple_timeouts(cls)

    def test_dump_and_logs_have_no_passphrase(self):
        if not configured():
            raise unittest.SkipTest("services not configured")
        if not shutil.which("pg_dump"):
            raise unittest.SkipTest("pg_dump not installed")
        sandbox = Sandbox()
        sandbox.reset()
        tag = uuid.uuid4().hex[:8]
        data = sandbox.sample_pdf(f"Dump test {tag}")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            base = 7_000_000 + uuid.uuid4().int % 900_000
            ptype = env["sicantik.permit.type"].create(
                {"sicantik_id": base, "name": "Izin Dump"}
            )
            signatory = env["sicantik.official"].create(
                {"sicantik_id": base + 2, "name": f"Official {tag}"}
            )
            permit = env["sicantik.permit"].create(
                {
                    "sicantik_id": base + 1,
                    "name": f"DUMP{tag}",
                    "permit_type_id": ptype.id,
                    "official_id": signatory.id,
                }
            )
            official = env["res.users"].create(
                {
                    "name": f"Official {tag}",
                    "email": f"dump_{tag}@example.com",
                    "login": f"dump_official_{tag}",
                    "groups_id": [(4, env.ref("sicantik_base.group_pejabat").id)],
                }
            )
            official.write(
                {"bsre_nik": ISSUE_NIK, "sicantik_official_id": signatory.id}
            )
            doc = env["sicantik.document"]._create_version(
                permit,
                "original",
                lambda: io.BytesIO(data),
                hashlib.sha256(data).hexdigest(),
                len(data),
                "dump.pdf",
                "upload",
                fallback_bytes=data,
            )
            request = env["sicantik.signature.request"].create(
                {"document_id": doc.id, "official_id": official.id}
            )
            request.action_submit()
            request.with_user(official).action_approve()
            cr.commit()  # pylint: disable=invalid-commit
            wizard = (
                env["sicantik.sign.wizard"]
                .with_user(official)
                .create(
                    {
                        "request_ids": [(6, 0, request.ids)],
                        "passphrase": ISSUE_PASSPHRASE,
                    }
                )
            )
            # The dialog saves the wizard in its own request before the call.
            cr.commit()  # pylint: disable=invalid-commit
            with capture_all_logs() as lines:
                wizard._action_sign(passphrase=ISSUE_PASSPHRASE)
            cr.commit()  # pylint: disable=invalid-commit
            request.invalidate_recordset()
            self.assertEqual(request.state, "signed", request.error_message)
        self.assertTrue(lines)
        self.assertFalse([line for line in lines if ISSUE_PASSPHRASE in line])
        env_vars = dict(os.environ)
        if config.get("db_password"):
            env_vars["PGPASSWORD"] = config["db_password"]
        argv = ["pg_dump", "--no-owner", "--data-only", "-d", self.env.cr.dbname]
        for option, key in (("-h", "db_host"), ("-p", "db_port"), ("-U", "db_user")):
            if config.get(key):
                argv += [option, str(config[key])]
        dump = subprocess.run(
            argv, capture_output=True, env=env_vars, check=True
        ).stdout
        self.assertGreater(len(dump), 10000)
        self.assertIn(f"DUMP{tag}".encode(), dump)  # the dump does see our rows
        self.assertNotIn(ISSUE_PASSPHRASE.encode(), dump)
