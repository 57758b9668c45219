"""The passphrase never appears in exceptions, reprs, tracebacks or logs.

Every logger is captured at DEBUG (urllib3's connection logs included) while
the client signs successfully, with a wrong passphrase, with a dropped answer
and with a server fault; then every text the caller could see or log is
searched for the passphrase.
"""

import logging
import traceback

import pytest
from sicantik_bsre_lib import errors
from sicantik_bsre_lib.batch import sign_batch
from sicantik_bsre_lib.client import BsreClient

from .conftest import ISSUE_NIK, PASSPHRASE, make_pdf

WRONG = "Rahasia#Salah-7731"


def texts_of(exc):
    return [
        str(exc),
        repr(exc),
        exc.message_id,
        str(exc.detail),
        "".join(traceback.format_exception(exc)),
    ]


@pytest.fixture()
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("urllib3", "requests", "sicantik_bsre_lib"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    return caplog


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_passphrase_absent_everywhere(sandbox, admin, debug_logs, version):
    seen = []
    with BsreClient(
        sandbox.url, *sandbox.auth, api_version=version, backoff=0.01
    ) as client:
        assert client.sign(make_pdf("ok"), ISSUE_NIK, PASSPHRASE).files
        for passphrase, knobs in (
            (WRONG, {}),
            (WRONG, {"wrong_passphrase_status": 500}),
            (PASSPHRASE, {"drop_next": {f"{version}.sign": 1}}),
            (PASSPHRASE, {"fail_next": {f"{version}.sign": 1}}),
        ):
            admin.faults(**knobs)
            with pytest.raises(errors.BsreError) as info:
                client.sign(make_pdf("x"), ISSUE_NIK, passphrase)
            seen.extend(texts_of(info.value))
        seen.append(repr(client))
    assert any("Passphrase salah." in text for text in seen)
    assert any("OutcomeUnknown" in text for text in seen)
    log_text = "\n".join(
        record.getMessage() + str(record.args) for record in debug_logs.records
    )
    assert "v2.sign" in log_text or "v1.sign" in log_text  # logging did happen
    assert "urllib3" in {r.name.split(".")[0] for r in debug_logs.records}
    for secret in (PASSPHRASE, WRONG, sandbox.api_password):
        for text in [*seen, log_text, debug_logs.text]:
            assert secret not in text
    # The sandbox's own call log keeps no passphrase either.
    assert PASSPHRASE not in str(admin.log())


def test_batch_errors_carry_no_passphrase(client, admin, debug_logs):
    items = [(i, make_pdf(f"b{i}")) for i in range(4)]
    results = list(sign_batch(client, items, ISSUE_NIK, WRONG, chunk_size=2))
    assert {r.state for r in results} <= {"failed", "skipped"}
    for result in results:
        if result.error is not None:
            for text in texts_of(result.error):
                assert WRONG not in text
    assert WRONG not in debug_logs.text


def test_scrub():
    assert errors.scrub("echo Rahasia#1 back", "Rahasia#1", None) == "echo *** back"
