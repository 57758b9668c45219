"""sicantik_base's settings: one reader, one yes/no parser, typed values,
and the one S3 client factory (against the session's real S3 server)."""

from pathlib import Path

import pytest
from sicantik_base_lib import s3, settings
from support import STACK, getter


def test_one_boolean_parser_everywhere():
    for word in ("1", "true", "Yes", "ON", "y", "t", " True "):
        assert settings.parse_bool(word) is True
    for word in ("0", "false", "No", "off", "n", "f"):
        assert settings.parse_bool(word) is False
    assert settings.parse_bool(None, default=True) is True
    assert settings.parse_bool("", default=True) is True
    with pytest.raises(ValueError, match="s3_secure"):
        settings.parse_bool("ture", name="s3_secure")
    # the dev stack and backup read flags with the same parser (a key no
    # harness sets in the environment, which would win over ``conf``)
    key = "sicantik_pytest_only_flag"
    assert STACK.setting_flag({key: "y"}, key) is True
    assert STACK.setting_flag({key: "Off"}, key) is False
    with pytest.raises(ValueError):
        STACK.setting_flag({key: "maybe"}, key)


def test_environment_wins_and_origin_is_reported():
    source = settings.Settings(
        environ={"SICANTIK_TIMEZONE": "Asia/Makassar"},
        conf={"sicantik_timezone": "Asia/Jayapura", "sicantik_sync_batch_size": "7"},
    )
    assert source.get("timezone") == "Asia/Makassar"
    assert source.origin("timezone") == "environment (SICANTIK_TIMEZONE)"
    assert source.origin("sync_batch_size") == "odoo.conf (sicantik_sync_batch_size)"
    assert source.origin("missing") is None
    assert source.int("sync_batch_size") == 7
    assert source.timezone() == "Asia/Makassar"
    assert settings.Settings(environ={}, conf={}).timezone() == "Asia/Jakarta"


def test_typed_values():
    source = getter(
        {
            "a_seconds": "90",
            "b": "5m",
            "grace_hours": "2",
            "url": "https://tte.example.go.id/",
            "bad_url": "tte.example.go.id",
            "root": "~/uploads",
            "count": "x",
        }
    )
    assert source.seconds("a_seconds", 1) == 90
    assert source.seconds("b", 1) == 300
    assert source.seconds("grace_hours", 0, unit="h") == 7200
    assert source.seconds("unset", 30) == 30
    assert source.url("url") == "https://tte.example.go.id"
    assert source.url("unset", "x") == "x"
    with pytest.raises(ValueError):
        source.url("bad_url")
    assert source.path("root") == Path("~/uploads").expanduser()
    with pytest.raises(ValueError):
        source.int("count")
    with pytest.raises(ValueError):
        source.seconds("count", 1)
    assert source("url") == "https://tte.example.go.id/", "callable as get()"


def test_deployment_settings_hide_secrets():
    rows = settings.deployment_settings(
        environ={
            "SICANTIK_S3_SECRET_KEY": "topsecret",
            "SICANTIK_MYSQL_URL": "mysql://ro:pw123@db/sicantik",
            "OTHER": "x",
        },
        conf={"sicantik_timezone": "Asia/Makassar", "db_host": "h"},
    )
    assert rows == [
        (
            "sicantik_mysql_url",
            "mysql://ro:***@db/sicantik",
            "environment (SICANTIK_MYSQL_URL)",
        ),
        ("sicantik_s3_secret_key", "(set)", "environment (SICANTIK_S3_SECRET_KEY)"),
        ("sicantik_timezone", "Asia/Makassar", "odoo.conf (sicantik_timezone)"),
    ]


def test_s3_config_and_factory(s3_env):
    with pytest.raises(s3.S3NotConfigured, match="sicantik_s3_bucket"):
        getter({"s3_endpoint": "x", "s3_access_key": "a", "s3_secret_key": "b"}).s3()
    config = getter(dict(s3_env, s3_object_lock="yes")).s3()
    assert config.object_lock is True and config.secure is False
    client = s3.make_client(config, retries=0)
    assert client.bucket_exists(config.bucket)
    assert s3.bucket_ready(config) == (True, "bucket ready")
    missing = getter(dict(s3_env, s3_bucket="no-such-bucket-here")).s3()
    assert s3.bucket_ready(missing) == (False, "bucket missing")
