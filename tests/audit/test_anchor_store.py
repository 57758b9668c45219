"""The S3 side of the audit trail, against the real S3 server."""

import gzip
import json

import pytest
from support import getter, running_s3_server

from .conftest import anchor_store, chain
from .helpers import make_chain


def test_anchor_roundtrip_and_seal(store):
    rows = make_chain(5)
    info = store.put_anchor(
        {"sequence": 5, "hash": rows[-1][-1], "database_uuid": "db-1"},
        hmac_key="anchor-secret",
        retain_days=1,
    )
    assert info["key"].endswith("-000000000005.json")
    assert isinstance(info["locked"], bool)
    document = store.get_anchor(info["key"])
    assert document["hash"] == rows[-1][-1]
    assert anchor_store.check_anchor(document, "anchor-secret") is None
    assert store.list_keys("anchors") == [info["key"]]


def test_anchor_tampering_detected(store):
    info = store.put_anchor({"sequence": 1, "hash": "a" * 64}, hmac_key="k")
    document = store.get_anchor(info["key"])
    forged = dict(document, hash="b" * 64)
    assert anchor_store.check_anchor(forged, "k") == "anchor digest mismatch"
    # Recomputing the digest is not enough without the key.
    resealed = anchor_store.seal_anchor(forged)
    assert anchor_store.check_anchor(resealed, "k") == "anchor signature mismatch"


def test_object_lock_fallback(store):
    """Without Object Lock on the bucket the object is written unlocked, and
    says so, instead of failing the daily anchor."""
    info = store.put_bytes(store.key("probe.txt"), b"x", "text/plain", retain_days=1)
    assert info["locked"] == store.lock_supported()
    assert store.get_bytes(info["key"]) == b"x"


def test_object_lock_bucket_keeps_anchors_read_only():
    """With ``s3_object_lock`` the missing bucket is created with Object Lock
    and an anchor is kept under COMPLIANCE retention: not even its writer can
    delete it.  (A server of its own: the shared one has few bucket volumes.)"""
    from minio.error import S3Error

    with running_s3_server("audit-lock-unused") as env:
        values = dict(env, s3_bucket="audit-locked", s3_object_lock="True")
        locked = anchor_store.AnchorStore.from_settings(getter(values), "p")
        info = locked.put_anchor({"sequence": 1, "hash": "a" * 64}, retain_days=1)
        assert info["locked"] is True
        with pytest.raises(S3Error) as caught:
            locked.client.remove_object(
                locked.bucket, info["key"], version_id=info["version_id"]
            )
        assert caught.value.code == "AccessDenied"
        assert locked.get_anchor(info["key"])["hash"] == "a" * 64


def test_archive_roundtrip_verifies(store):
    rows = make_chain(300)
    first, second = rows[:120], rows[120:]
    info1 = store.put_archive("a.jsonl.gz", first)
    info2 = store.put_archive("b.jsonl.gz", second)
    assert (info1["count"], info2["count"]) == (120, 180)
    data1 = store.get_bytes(info1["key"])
    result = anchor_store.verify_archive(
        data1, info1["sha256"], 0, chain.GENESIS, first[-1][-1]
    )
    assert result.ok and result.checked == 120
    result = anchor_store.verify_archive(
        store.get_bytes(info2["key"]), info2["sha256"], 120, first[-1][-1], rows[-1][-1]
    )
    assert result.ok and result.last_sequence == 300


def test_tampered_archive_detected(store):
    rows = make_chain(50)
    info = store.put_archive("t.jsonl.gz", rows)
    lines = gzip.decompress(store.get_bytes(info["key"])).splitlines()
    victim = json.loads(lines[29])
    victim["actor_login"] = "somebody_else"
    lines[29] = json.dumps(victim).encode()
    forged = gzip.compress(b"\n".join(lines) + b"\n")
    store.put_bytes(info["key"], forged, "application/gzip")
    result = anchor_store.verify_archive(
        store.get_bytes(info["key"]), info["sha256"], 0, chain.GENESIS, rows[-1][-1]
    )
    assert not result.ok
    assert result.broken_sequence == 30
    # Even with a matching checksum (an attacker who also rewrote the
    # checkpoint), the chain inside the archive still breaks at that event.
    result = anchor_store.verify_archive(forged, None, 0, chain.GENESIS, rows[-1][-1])
    assert result.broken_sequence == 30


def test_swapped_archive_detected(store):
    rows = make_chain(20)
    other = make_chain(20, start_hash="e" * 64)
    info = store.put_archive("s.jsonl.gz", other)
    data = store.get_bytes(info["key"])
    result = anchor_store.verify_archive(
        data, info["sha256"], 0, chain.GENESIS, rows[-1][-1]
    )
    assert not result.ok and result.broken_sequence == 1


def test_every_version_is_listed(store):
    """A newer version of an anchor must not hide the older one: the server
    lists and serves both (a versioned bucket, as Object Lock requires)."""
    from minio.commonconfig import ENABLED
    from minio.versioningconfig import VersioningConfig

    store.client.set_bucket_versioning(store.bucket, VersioningConfig(ENABLED))
    assert store.versioning_enabled()
    first = store.put_anchor({"sequence": 1, "hash": "a" * 64}, hmac_key="k")
    forged = anchor_store.seal_anchor({"sequence": 1, "hash": "b" * 64}, "k")
    store.put_bytes(first["key"], json.dumps(forged).encode(), "application/json")
    versions = store.list_versions("anchors")
    assert [v[0] for v in versions] == [first["key"], first["key"]]
    hashes = [store.get_anchor(key, version)["hash"] for key, version, _m in versions]
    assert sorted(hashes) == ["a" * 64, "b" * 64]
    # The plain read returns the newer version: what a verifier must not trust.
    assert store.get_anchor(first["key"])["hash"] == "b" * 64
    store.client.remove_object(store.bucket, first["key"])
    versions = store.list_versions("anchors")
    assert [v[2] for v in versions].count(True) == 1
    assert store.list_keys("anchors") == []
