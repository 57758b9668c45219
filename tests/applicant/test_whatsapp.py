"""Both WhatsApp adapters against the gateway double, over real HTTP,
including each fault: down, 429 with Retry-After, invalid number, slow."""

import datetime as dt
import hashlib
import hmac
import json
import socket

import pytest
from sicantik_applicant_lib import whatsapp

TO = "+6281377770001"


def gateway_provider(gw, **kw):
    return whatsapp.build(
        {"provider": "gateway", "url": gw.url + "/send", "token": gw.token, **kw}
    )


def cloud_provider(gw, **kw):
    return whatsapp.build(
        {
            "provider": "cloud",
            "url": gw.url,
            "phone_number_id": "1098765",
            "token": gw.token,
            **kw,
        }
    )


PROVIDERS = [gateway_provider, cloud_provider]


@pytest.mark.parametrize("make", PROVIDERS)
def test_sent_and_recorded(gw, make):
    result = make(gw).send(TO, "Halo Rudi", template="sicantik_x", params=["Rudi", "1"])
    assert result.status == "sent", result
    (message,) = gw.messages()
    assert message["id"] == result.provider_id
    if message["kind"] == "gateway":
        assert message["to"] == TO
        assert message["payload"] == {"text": "Halo Rudi"}
    else:
        assert message["to"] == TO.lstrip("+")
        assert message["payload"]["template"] == "sicantik_x"
        assert message["payload"]["language"] == "id"
        assert message["payload"]["params"] == ["Rudi", "1"]
        assert message["payload"]["phone_number_id"] == "1098765"


def test_gateway_field_names_are_configurable(gw):
    gw.config(to="phone", message="text")
    provider = gateway_provider(gw, field_to="phone", field_message="text")
    assert provider.send(TO, "Halo").status == "sent"
    default = gateway_provider(gw)
    result = default.send(TO, "Halo")
    assert result.status == "failed"
    assert "missing" in result.reason
    assert len(gw.messages()) == 1


@pytest.mark.parametrize("make", PROVIDERS)
def test_down_is_retried(gw, make):
    gw.faults(down=True)
    result = make(gw).send(TO, "Halo", template="t")
    assert result.status == "retry"
    assert "503" in result.reason
    assert gw.messages() == []


def test_unreachable_is_retried():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider = whatsapp.GatewayProvider(f"http://127.0.0.1:{port}/send", "t")
    result = provider.send(TO, "Halo")
    assert result.status == "retry"
    assert "unreachable" in result.reason


@pytest.mark.parametrize("make", PROVIDERS)
def test_rate_limit_gives_retry_after(gw, make):
    gw.faults(rate_limit=1, retry_after=45)
    provider = make(gw)
    first = provider.send(TO, "Halo", template="t")
    assert first.status == "retry"
    assert first.retry_after == 45
    assert whatsapp.backoff(1, base=10, retry_after=first.retry_after) == 45
    assert provider.send(TO, "Halo", template="t").status == "sent"
    assert gw.attempts() == 2


@pytest.mark.parametrize("make", PROVIDERS)
def test_invalid_number_fails_with_reason(gw, make):
    gw.faults(invalid=[TO])
    result = make(gw).send(TO, "Halo", template="t")
    assert result.status == "failed"
    assert "131026" in result.reason or "not registered" in result.reason
    assert gw.messages() == []


@pytest.mark.parametrize("make", PROVIDERS)
def test_slow_gateway_times_out_and_is_retried(gw, make):
    gw.faults(delay=2.5)
    result = make(gw, timeout=1).send(TO, "Halo", template="t")
    assert result.status == "retry"
    assert "timeout" in result.reason


def test_wrong_token_fails(gw):
    result = whatsapp.GatewayProvider(gw.url + "/send", "wrong").send(TO, "x")
    assert result.status == "failed"
    assert "401" in result.reason


def test_cloud_without_template_name_fails(gw):
    result = cloud_provider(gw).send(TO, "Halo")
    assert result.status == "failed"
    assert gw.attempts() == 0


def test_build_needs_settings():
    assert whatsapp.build({}) is None
    assert whatsapp.build({"provider": "gateway"}) is None
    assert whatsapp.build({"provider": "cloud", "url": "http://x"}) is None


def test_render_and_placeholders():
    body = "Yth. {nama}, izin {nomor_izin} {nama.__class__} {tidak_ada} {{x}}"
    text = whatsapp.render(body, {"nama": "Rudi", "nomor_izin": "503/1"})
    assert text.startswith("Yth. Rudi, izin 503/1 {nama.__class__} {tidak_ada}")
    assert whatsapp.placeholders("{a} dan {b} lalu {a}") == ["a", "b", "a"]


def test_backoff_doubles_and_caps():
    assert [whatsapp.backoff(n, base=60, cap=300) for n in (1, 2, 3, 4)] == [
        60,
        120,
        240,
        300,
    ]


def test_quiet_hours_wrap_midnight():
    wib = dt.timezone(dt.timedelta(hours=7))
    start, end = dt.time(21, 0), dt.time(7, 0)
    evening = dt.datetime(2026, 12, 6, 22, 30, tzinfo=wib)
    assert whatsapp.quiet_until(evening, start, end) == dt.datetime(
        2026, 12, 7, 7, 0, tzinfo=wib
    )
    early = dt.datetime(2026, 12, 7, 5, 0, tzinfo=wib)
    assert whatsapp.quiet_until(early, start, end) == dt.datetime(
        2026, 12, 7, 7, 0, tzinfo=wib
    )
    noon = dt.datetime(2026, 12, 7, 12, 0, tzinfo=wib)
    assert whatsapp.quiet_until(noon, start, end) is None
    assert whatsapp.quiet_until(evening, start, start) is None


def test_callback_shapes_and_secret():
    body = json.dumps({"id": "gw-1", "status": "delivered"}).encode()
    assert whatsapp.parse_callback(body, {"X-Sicantik-Secret": "k"}, "k") == [
        ("gw-1", "delivered", "")
    ]
    for headers in ({}, {"X-Sicantik-Secret": "bad"}):
        with pytest.raises(whatsapp.CallbackRefused):
            whatsapp.parse_callback(body, headers, "k")
    with pytest.raises(whatsapp.CallbackRefused):
        whatsapp.parse_callback(body, {"X-Sicantik-Secret": "k"}, "")
    cloud = json.dumps(
        {
            "entry": [
                {
                    "changes": [
                        {
                            "value": {
                                "statuses": [
                                    {
                                        "id": "wamid.1",
                                        "status": "failed",
                                        "errors": [
                                            {"code": 131026, "title": "Undeliverable"}
                                        ],
                                    }
                                ]
                            }
                        }
                    ]
                }
            ]
        }
    ).encode()
    signature = "sha256=" + hmac.new(b"k", cloud, hashlib.sha256).hexdigest()
    assert whatsapp.parse_callback(cloud, {"X-Hub-Signature-256": signature}, "k") == [
        ("wamid.1", "failed", "Undeliverable")
    ]
    with pytest.raises(whatsapp.CallbackRefused):
        whatsapp.parse_callback(cloud, {"X-Hub-Signature-256": "sha256=00"}, "k")
