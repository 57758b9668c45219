"""The BSrE client against the real sandbox: status, sign, verify, faults.

No mocks: every call crosses a socket to ``sandbox/bsre``, whose call log
(``/_sandbox/log``) is the independent witness of how many times a document
was sent and whether it was signed.
"""

import hashlib
import json
import socket
import time

import pytest
from sicantik_bsre_lib import errors
from sicantik_bsre_lib.client import (
    BsreClient,
    SignatureProperties,
    Timeouts,
    client_from_settings,
    is_pdf,
)
from sicantik_bsre_lib.offline_verify import verify_pdf
from sicantik_bsre_lib.stamp import visible_image
from support import getter

from .conftest import ISSUE_NIK, PASSPHRASE, make_pdf

SEED = {
    "1206010101800001": "ISSUE",
    "1206014202850002": "ISSUE",
    "1206010303750003": "EXPIRED",
    "1206014404820004": "RENEW",
    "1206010505900005": "WAITING_FOR_VERIFICATION",
    "1206014606880006": "NEW",
    "1206010707790007": "NO_CERTIFICATE",
    "1206010808990008": "NOT_REGISTERED",
    "1206014909870009": "SUSPEND",
    "1206011010700010": "REVOKE",
    "1206019999999999": "NOT_REGISTERED",  # not in the seed at all
}
NIK_OF = {status: nik for nik, status in reversed(SEED.items())}


def sha(data):
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------ status
@pytest.mark.parametrize("version", ["v2", "v1"])
@pytest.mark.parametrize("nik,status", sorted(SEED.items()))
def test_status_every_seeded_user(sandbox, admin, version, nik, status):
    with BsreClient(sandbox.url, *sandbox.auth, api_version=version) as client:
        result = client.user_status(nik)
    assert result.status == status
    assert result.can_sign is (status == "ISSUE")
    assert nik not in repr(result)  # only the masked NIK is kept


@pytest.mark.parametrize(
    "status,error,message",
    [
        ("NOT_REGISTERED", errors.NikNotRegistered, "NIK tidak terdaftar di BSrE."),
        ("EXPIRED", errors.CertificateExpired, "Sertifikat kedaluwarsa."),
        ("RENEW", errors.CertificateNotActive, "pembaruan"),
        ("SUSPEND", errors.CertificateNotActive, "ditangguhkan"),
        ("REVOKE", errors.CertificateNotActive, "dicabut"),
        ("NEW", errors.CertificateNotActive, "belum diaktivasi"),
        ("NO_CERTIFICATE", errors.CertificateNotActive, "belum memiliki"),
    ],
)
def test_ensure_can_sign_refuses_non_issue(client, status, error, message):
    with pytest.raises(error) as info:
        client.ensure_can_sign(NIK_OF[status])
    assert message in info.value.message_id
    if isinstance(info.value, errors.CertificateNotActive):
        assert info.value.status == status


def test_ensure_can_sign_issue(client):
    assert client.ensure_can_sign(ISSUE_NIK).status == "ISSUE"


def test_wrong_api_credentials(sandbox, admin):
    with BsreClient(sandbox.url, "sandbox", "nope") as client:
        with pytest.raises(errors.AuthenticationFailed) as info:
            client.user_status(ISSUE_NIK)
        with pytest.raises(errors.AuthenticationFailed):
            client.sign(make_pdf("x"), ISSUE_NIK, PASSPHRASE)
    assert info.value.http_status == 401
    assert "Kredensial API BSrE ditolak" in info.value.message_id


# -------------------------------------------------------------------- sign
def test_sign_v2_single(client, admin, trust_roots):
    source = make_pdf("Izin 001")
    result = client.sign(source, ISSUE_NIK, PASSPHRASE)
    assert result.http_status == 200 and result.warning is None
    (signed,) = result.files
    assert is_pdf(signed) and signed != source
    assert verify_pdf(signed, trust_roots).valid
    (call,) = admin.log(endpoint="v2.sign")
    assert call["signed"] is True
    assert call["documents"][0]["sha256_in"] == sha(source)
    assert call["documents"][0]["sha256_out"] == sha(signed)


def test_sign_v2_batch_of_three_in_order(client, admin, trust_roots):
    sources = [make_pdf(f"Izin {i}") for i in range(3)]
    qr = visible_image("https://izin.example.go.id/verify/abc")
    prop = SignatureProperties(
        visible=True, image=qr, page=1, x=380, y=650, width=150, height=75
    )
    result = client.sign(sources, ISSUE_NIK, PASSPHRASE, prop)
    assert len(result.files) == 3
    for source, signed in zip(sources, result.files, strict=True):
        # The sandbox signs by incremental update: output starts with input.
        assert signed.startswith(source)
        assert verify_pdf(signed, trust_roots).valid
    (call,) = admin.log(endpoint="v2.sign")
    assert [d["sha256_in"] for d in call["documents"]] == [sha(s) for s in sources]
    assert [d["sha256_out"] for d in call["documents"]] == [
        sha(s) for s in result.files
    ]


def test_sign_v2_last_page_resolved(client, admin, trust_roots):
    source = make_pdf("Izin", pages=3)
    prop = SignatureProperties(
        visible=True, image=visible_image("https://x/verify/t"), page=-1, x=10, y=10
    )
    (signed,) = client.sign(source, ISSUE_NIK, PASSPHRASE, prop).files
    assert verify_pdf(signed, trust_roots).valid


def test_sign_v1_with_server_qr(client_v1, admin, trust_roots):
    source = make_pdf("Izin v1")
    prop = SignatureProperties(
        visible=True,
        link_qr="https://izin.example.go.id/verify/xyz",
        page=1,
        x=400,
        y=680,
        width=120,
        height=120,
    )
    result = client_v1.sign(source, ISSUE_NIK, PASSPHRASE, prop)
    assert result.id_dokumen
    assert verify_pdf(result.files[0], trust_roots).valid
    (call,) = admin.log(endpoint="v1.sign")
    assert call["id_dokumen"] == result.id_dokumen
    # The one-time download works once, then reports "not available".
    assert client_v1.download(result.id_dokumen) == result.files[0]
    assert client_v1.download(result.id_dokumen) is None


def test_sign_v1_with_our_image_and_tag(client_v1, trust_roots):
    source = make_pdf("Kepala Dinas", "#")
    prop = SignatureProperties(
        visible=True, image=visible_image("https://x/v/1"), tag="#", width=90
    )
    result = client_v1.sign(source, ISSUE_NIK, PASSPHRASE, prop)
    assert verify_pdf(result.files[0], trust_roots).valid


def test_v1_refuses_batches(client_v1, admin):
    with pytest.raises(ValueError):
        client_v1.sign([make_pdf("a"), make_pdf("b")], ISSUE_NIK, PASSPHRASE)
    assert admin.log(endpoint="v1.sign") == []


@pytest.mark.parametrize("http_status", [400, 500])
@pytest.mark.parametrize("version", ["v2", "v1"])
def test_wrong_passphrase(sandbox, admin, version, http_status):
    admin.faults(wrong_passphrase_status=http_status)
    with BsreClient(sandbox.url, *sandbox.auth, api_version=version) as client:
        with pytest.raises(errors.WrongPassphrase) as info:
            client.sign(make_pdf("x"), ISSUE_NIK, "Salah#999")
    assert info.value.message_id == "Passphrase salah."
    assert info.value.http_status == http_status
    assert len(admin.log(endpoint=f"{version}.sign")) == 1


def test_sign_v2_with_one_time_code(client, admin, trust_roots):
    """The code BSrE sends for N files signs exactly one call of N files;
    wrong or reused codes are WrongOtp (not an expired certificate, although
    BSrE's text says "kadaluarsa"), and stop a batch like a wrong passphrase."""
    sources = [make_pdf("otp a"), make_pdf("otp b")]
    assert client.request_sign_otp(ISSUE_NIK, 2)
    (mail,) = admin.outbox()
    assert (mail["nik"], mail["data"]) == (ISSUE_NIK, 2)
    code = mail["totp"]
    wrong = str((int(code) + 1) % 10 ** len(code)).zfill(len(code))
    with pytest.raises(errors.WrongOtp) as info:
        client.sign(sources, ISSUE_NIK, totp=wrong)
    assert isinstance(info.value, errors.WrongPassphrase)
    assert info.value.message_id.startswith("Kode OTP salah")
    result = client.sign(sources, ISSUE_NIK, totp=code)
    assert [verify_pdf(f, trust_roots).valid for f in result.files] == [True, True]
    with pytest.raises(errors.WrongOtp):
        client.sign(sources, ISSUE_NIK, totp=code)
    calls = admin.log(endpoint="v2.sign")
    assert [c["signed"] for c in calls] == [False, True, False]
    assert code not in json.dumps(calls)


def test_one_time_code_needs_v2_and_one_secret(client, client_v1, admin):
    with pytest.raises(errors.RequestRejected):
        client_v1.request_sign_otp(ISSUE_NIK, 1)
    with pytest.raises(errors.RequestRejected):
        client_v1.sign(make_pdf("x"), ISSUE_NIK, totp="123456")
    with pytest.raises(ValueError):
        client.sign(make_pdf("x"), ISSUE_NIK, PASSPHRASE, totp="123456")
    assert admin.log(endpoint="v2.sign") == admin.log(endpoint="v1.sign") == []


@pytest.mark.parametrize("version", ["v2", "v1"])
@pytest.mark.parametrize(
    "status,error",
    [
        ("EXPIRED", errors.CertificateExpired),
        ("NOT_REGISTERED", errors.NikNotRegistered),
        ("SUSPEND", errors.CertificateNotActive),
        ("NO_CERTIFICATE", errors.CertificateNotActive),
    ],
)
def test_sign_refused_for_non_issue(sandbox, admin, version, status, error):
    with BsreClient(sandbox.url, *sandbox.auth, api_version=version) as client:
        with pytest.raises(error) as info:
            client.sign(make_pdf("x"), NIK_OF[status], "whatever")
    if status != "NOT_REGISTERED":
        assert info.value.status == status
    (call,) = admin.log(endpoint=f"{version}.sign")
    assert call["signed"] is False


def test_invalid_document(client, admin):
    with pytest.raises(errors.InvalidDocument):
        client.sign(b"not a pdf at all", ISSUE_NIK, PASSPHRASE)
    assert admin.log(endpoint="v2.sign") == []  # refused locally
    broken = b"%PDF-1.4\n" + b"garbage " * 20 + b"\n%%EOF\n"
    with pytest.raises(errors.InvalidDocument) as info:
        client.sign(broken, ISSUE_NIK, PASSPHRASE)
    assert info.value.http_status == 400


def test_fail_next_is_an_error_and_not_retried(client, admin):
    admin.faults(fail_next={"v2.sign": 1})
    with pytest.raises(errors.ServiceUnavailable) as info:
        client.sign(make_pdf("x"), ISSUE_NIK, PASSPHRASE)
    assert info.value.http_status == 500
    calls = admin.log(endpoint="v2.sign")
    assert len(calls) == 1 and calls[0]["signed"] is False


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_500_with_file_is_success(sandbox, admin, version, trust_roots):
    admin.faults(fail_with_file_next={f"{version}.sign": 1})
    with BsreClient(sandbox.url, *sandbox.auth, api_version=version) as client:
        result = client.sign(make_pdf("x"), ISSUE_NIK, PASSPHRASE)
    assert result.http_status == 500 and result.warning
    assert verify_pdf(result.files[0], trust_roots).valid
    assert len(admin.log(endpoint=f"{version}.sign")) == 1


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_dropped_answer_is_outcome_unknown_and_was_signed(sandbox, admin, version):
    admin.faults(drop_next={f"{version}.sign": 1})
    source = make_pdf("dropped")
    with BsreClient(sandbox.url, *sandbox.auth, api_version=version) as client:
        with pytest.raises(errors.OutcomeUnknown) as info:
            client.sign(source, ISSUE_NIK, PASSPHRASE)
    assert "Jangan tandatangani ulang" in info.value.message_id
    calls = admin.log(endpoint=f"{version}.sign")
    assert len(calls) == 1  # never retried
    assert calls[0]["signed"] is True and calls[0]["delivered"] is False
    assert calls[0]["documents"][0]["sha256_in"] == sha(source)


def test_sign_read_timeout_is_outcome_unknown(sandbox, admin):
    admin.faults(latency_ms={"v2.sign": 1500})
    timeouts = Timeouts(connect=2, status=2, sign=0.5, verify=2)
    with BsreClient(sandbox.url, *sandbox.auth, timeouts=timeouts) as client:
        started = time.monotonic()
        with pytest.raises(errors.OutcomeUnknown):
            client.sign(make_pdf("slow"), ISSUE_NIK, PASSPHRASE)
        assert time.monotonic() - started < 1.4
    time.sleep(1.5)  # the sandbox finishes (and signs) after its latency
    calls = admin.log(endpoint="v2.sign")
    assert len(calls) == 1 and calls[0]["signed"] is True


def test_sign_connection_refused_is_not_sent(admin):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with BsreClient(f"http://127.0.0.1:{port}", "u", "p") as client:
        with pytest.raises(errors.ServiceUnavailable) as info:
            client.sign(make_pdf("x"), ISSUE_NIK, PASSPHRASE)
    assert not isinstance(info.value, errors.OutcomeUnknown)


# ------------------------------------------------------- read-only retries
@pytest.mark.parametrize("knob", ["fail_next", "drop_next"])
@pytest.mark.parametrize("version", ["v2", "v1"])
def test_status_retried_after_transient_failure(sandbox, admin, knob, version):
    admin.faults(**{knob: {f"{version}.status": 2}})
    sleeps = []
    with BsreClient(
        sandbox.url,
        *sandbox.auth,
        api_version=version,
        backoff=0.2,
        backoff_cap=1.0,
        sleep=sleeps.append,
    ) as client:
        assert client.user_status(ISSUE_NIK).status == "ISSUE"
    assert len(admin.log(endpoint=f"{version}.status")) == 3
    # Exponential with jitter: 2nd delay in [0.2, 0.4], 1st in [0.1, 0.2].
    assert 0.1 <= sleeps[0] <= 0.2 and 0.2 <= sleeps[1] <= 0.4


def test_status_gives_up_after_retries(sandbox, admin):
    admin.faults(fail_next={"v2.status": 10})
    with BsreClient(
        sandbox.url, *sandbox.auth, retries=2, sleep=lambda _s: None
    ) as client:
        with pytest.raises(errors.ServiceUnavailable):
            client.user_status(ISSUE_NIK)
    assert len(admin.log(endpoint="v2.status")) == 3


def test_verify_retried_after_drop(client, admin):
    signed = client.sign(make_pdf("v"), ISSUE_NIK, PASSPHRASE).files[0]
    admin.faults(drop_next={"v2.verify": 1})
    assert client.verify(signed).valid
    assert len(admin.log(endpoint="v2.verify")) == 2


def test_status_timeout_is_quick(sandbox, admin):
    admin.faults(latency_ms={"v2.status": 3000})
    timeouts = Timeouts(connect=1, status=0.4, sign=5, verify=5)
    with BsreClient(sandbox.url, *sandbox.auth, timeouts=timeouts) as client:
        started = time.monotonic()
        with pytest.raises(errors.ServiceUnavailable):
            client.user_status(ISSUE_NIK)
        assert time.monotonic() - started < 1.0


# ------------------------------------------------------------------ verify
@pytest.mark.parametrize("version", ["v2", "v1"])
def test_bsre_verify(sandbox, admin, version):
    with BsreClient(sandbox.url, *sandbox.auth, api_version=version) as client:
        unsigned = make_pdf("unsigned")
        signed = client.sign(unsigned, ISSUE_NIK, PASSPHRASE).files[0]
        good = client.verify(signed)
        assert good.valid and good.signature_count == 1
        assert good.signatures[0]["signer"] == "Budi Santoso"
        none = client.verify(unsigned)
        assert not none.valid and none.signature_count == 0
        tampered = bytearray(signed)
        tampered[tampered.index(b"unsigned")] ^= 0x01
        assert not client.verify(bytes(tampered)).valid


# ------------------------------------------------------------ configuration
def test_client_from_settings():
    values = {
        "bsre_url": "https://esign.example.go.id/",
        "bsre_user": "app",
        "bsre_password": "secret",
        "bsre_api_version": "V1",
        "bsre_ca_bundle": "/etc/ssl/bsre.pem",
        "bsre_timeout_sign": "90",
    }
    client = client_from_settings(getter(values))
    assert client.api_version == "v1"
    assert client.base_url == "https://esign.example.go.id"
    assert client._session.verify == "/etc/ssl/bsre.pem"
    assert client.timeouts.sign == 90 and client.timeouts.status == 30
    assert "secret" not in repr(client)
    values["bsre_verify_tls"] = "false"
    assert client_from_settings(getter(values))._session.verify is False
    values.pop("bsre_verify_tls")
    values.pop("bsre_ca_bundle")
    assert client_from_settings(getter(values))._session.verify is True


def test_error_messages_are_indonesian_and_json_safe():
    for cls in (
        errors.WrongPassphrase,
        errors.NikNotRegistered,
        errors.CertificateExpired,
        errors.InvalidDocument,
        errors.AuthenticationFailed,
        errors.ServiceUnavailable,
        errors.OutcomeUnknown,
    ):
        exc = cls("detail", 400, 2031)
        assert exc.message_id.endswith(".")
        json.dumps({"error": exc.message_id})
    assert errors.CertificateNotActive("SUSPEND").message_id.startswith("Sertifikat")
