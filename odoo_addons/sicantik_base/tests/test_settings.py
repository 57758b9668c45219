import os
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from ..lib import settings
from .common import make_role_users


@tagged("post_install", "-at_install")
class TestSettings(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = make_role_users(cls.env)

    def test_settings_saved_as_parameters(self):
        form = self.env["res.config.settings"].create(
            {
                "sicantik_office_name": "DPMPTSP Kabupaten Karo",
                "sicantik_source_timezone": "Asia/Makassar",
            }
        )
        form.execute()
        params = self.env["ir.config_parameter"].sudo()
        self.assertEqual(
            params.get_param("sicantik_base.office_name"), "DPMPTSP Kabupaten Karo"
        )
        self.assertEqual(
            params.get_param("sicantik_base.source_timezone"), "Asia/Makassar"
        )

    def test_no_secret_in_database(self):
        """Saving the settings never copies service secrets into the database."""
        secret = "s3cr3t-from-environment"
        with patch.dict(os.environ, {"SICANTIK_S3_SECRET_KEY": secret}):
            form = self.env["res.config.settings"].create({})
            self.assertNotIn(secret, form.sicantik_service_status)
            form.execute()
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT count(*) FROM ir_config_parameter WHERE value LIKE %s",
            (f"%{secret}%",),
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_officer_cannot_change_settings(self):
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.users["petugas"]).create(
                {"sicantik_office_name": "x"}
            )

    def test_environment_overrides_config_file(self):
        conf = {"sicantik_mysql_url": "mysql+pymysql://ro:pw@conf-host/db"}
        self.assertEqual(
            settings.get("mysql_url", environ={}, conf=conf), conf["sicantik_mysql_url"]
        )
        env = {"SICANTIK_MYSQL_URL": "mysql+pymysql://ro:pw@env-host/db"}
        self.assertEqual(
            settings.get("mysql_url", environ=env, conf=conf), env["SICANTIK_MYSQL_URL"]
        )
        self.assertEqual(settings.get("missing", "dflt", environ={}, conf={}), "dflt")
        self.assertTrue(settings.get_bool("x", environ={"SICANTIK_X": "yes"}, conf={}))
        with self.assertRaises(ValueError):
            settings.get_int("x", environ={"SICANTIK_X": "many"}, conf={})

    def test_service_summary_hides_secrets(self):
        env = {
            "SICANTIK_MYSQL_URL": "mysql+pymysql://ro:topsecret@db.example/sicantik",
            "SICANTIK_BSRE_URL": "https://tte.example.go.id",
        }
        summary = settings.service_summary(environ=env, conf={})
        self.assertEqual(summary["mysql"], "configured (db.example)")
        self.assertIn("sicantik_bsre_user", summary["bsre"])
        self.assertNotIn("topsecret", str(summary))
        self.assertEqual(
            settings.redact_url(env["SICANTIK_MYSQL_URL"]),
            "mysql+pymysql://ro:***@db.example/sicantik",
        )

    def test_time_zone_has_one_source(self):
        """The Settings screen's zone applies everywhere unless the deployment
        sets ``sicantik_timezone``; then the screen says so and where from."""
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(settings.TIMEZONE_PARAM, "Asia/Makassar")
        with patch.dict(os.environ, {"SICANTIK_TIMEZONE": ""}):
            self.assertEqual(settings.timezone(self.env), "Asia/Makassar")
            form = self.env["res.config.settings"].create({})
            self.assertFalse(form.sicantik_timezone_origin)
        with patch.dict(os.environ, {"SICANTIK_TIMEZONE": "Asia/Jayapura"}):
            self.assertEqual(settings.timezone(self.env), "Asia/Jayapura")
            form = self.env["res.config.settings"].create({})
            self.assertEqual(
                form.sicantik_timezone_origin,
                "Set by the deployment: Asia/Jayapura, from environment "
                "(SICANTIK_TIMEZONE)",
            )
            self.assertIn(
                "sicantik_timezone = Asia/Jayapura  [environment (SICANTIK_TIMEZONE)]",
                form.sicantik_deployment_settings,
            )

    def test_deployment_settings_never_show_secrets(self):
        secret = "s3cr3t-from-environment"
        with patch.dict(os.environ, {"SICANTIK_S3_SECRET_KEY": secret}):
            form = self.env["res.config.settings"].create({})
            self.assertIn(
                "sicantik_s3_secret_key = (set)", form.sicantik_deployment_settings
            )
            self.assertNotIn(secret, form.sicantik_deployment_settings)
