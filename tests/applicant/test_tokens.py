"""Download tokens expire, refuse tampering; tracking codes are stable."""

import pytest
from sicantik_applicant_lib import tokens


def test_round_trip_and_expiry():
    token = tokens.make("s3cret", 42, ttl=600, now=1_000_000)
    assert tokens.read("s3cret", token, now=1_000_599) == 42
    with pytest.raises(tokens.TokenError) as info:
        tokens.read("s3cret", token, now=1_000_601)
    assert info.value.reason == "expired"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: t.split(".")[0],
        lambda t: "x" + t,
        lambda t: "",
        lambda t: "..",
    ],
)
def test_tampered_tokens_refused(mangle):
    token = tokens.make("s3cret", 42, ttl=600)
    with pytest.raises(tokens.TokenError):
        tokens.read("s3cret", mangle(token))


def test_other_document_id_cannot_be_forged():
    token = tokens.make("s3cret", 42, ttl=600)
    head, sig = token.split(".")
    forged_head = tokens._b64(tokens._unb64(head).replace(b"42", b"43"))
    with pytest.raises(tokens.TokenError):
        tokens.read("s3cret", f"{forged_head}.{sig}")
    with pytest.raises(tokens.TokenError):
        tokens.read("other", token)


def test_tracking_code():
    code = tokens.tracking_code("s3cret", 10, "0142307703072025")
    assert code == tokens.tracking_code("s3cret", 10, "0142307703072025")
    assert len(code) == 8
    assert not set(code) & set("01OIL")
    assert code != tokens.tracking_code("s3cret", 11, "0142307703072025")
    assert code != tokens.tracking_code("other", 10, "0142307703072025")
    assert tokens.normalize_code(f" {code[:4].lower()}-{code[4:]} ") == code
