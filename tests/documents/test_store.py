"""DocumentStore against a real S3 server: keys, immutability, streaming."""

import hashlib
import io
import socket
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from sicantik_documents_lib import store

from .conftest import getter

SHA_A = hashlib.sha256(b"a").hexdigest()


def pdf_bytes(n=1000, seed=b"x"):
    body = (seed * n)[:n]
    return b"%PDF-1.4\n" + body + b"\n%%EOF\n"


def test_object_key_layout_and_validation():
    key = store.object_key(12, 34, 1, SHA_A)
    assert key == f"permits/12/34/v1/{SHA_A}.pdf"
    with pytest.raises(ValueError):
        store.object_key(12, 34, 1, "ABC")
    with pytest.raises(ValueError):
        store.object_key("12/../x", 34, 1, SHA_A)
    with pytest.raises(ValueError):
        store.object_key(12, -1, 1, SHA_A)


def test_parse_key_only_accepts_keys_object_key_makes():
    key = store.object_key(12, 34, 5, SHA_A)
    assert store.parse_key(key) == store.KeyParts(12, 34, 5, SHA_A)
    for other in (
        f"permits/012/34/v5/{SHA_A}.pdf",
        f"permits/12/34/v5/{SHA_A.upper()}.pdf",
        f"permits/12/34/5/{SHA_A}.pdf",
        f"permits/12/34/v5/{SHA_A}.pdf.bak",
        f"archive/permits/12/34/v5/{SHA_A}.pdf",
        "permits/12/notes.txt",
        "",
        None,
    ):
        assert store.parse_key(other) is None, other


def put_many(doc_store, pid, count):
    keys = []
    for i in range(count):
        data = pdf_bytes(seed=f"orphan {i}".encode())
        key = store.object_key(pid, i, 1, hashlib.sha256(data).hexdigest())
        doc_store.put(key, io.BytesIO(data))
        keys.append(key)
    return sorted(keys)


def test_iter_objects_lists_lazily_in_key_order(doc_store, pid):
    before = datetime.now(UTC) - timedelta(minutes=5)
    keys = put_many(doc_store, pid, 3)
    prefix = f"permits/{pid}/"
    listing = doc_store.iter_objects(prefix)
    assert not isinstance(listing, list | tuple), "a generator, not a list"
    listed = list(listing)
    assert [obj.key for obj in listed] == keys
    for obj in listed:
        assert obj.size > 0
        assert before < obj.last_modified <= datetime.now(UTC) + timedelta(minutes=5)
    resumed = doc_store.iter_objects(prefix, start_after=keys[0])
    assert [obj.key for obj in resumed] == keys[1:]


def test_iter_objects_of_a_missing_bucket_is_empty(s3_env, pid):
    values = dict(s3_env, s3_bucket=f"docs-none-{pid}")
    absent = store.DocumentStore.from_settings(getter(values))
    assert list(absent.iter_objects()) == []
    assert not absent.client.bucket_exists(absent.bucket), "listing creates nothing"


def test_delete_many_removes_all_and_reports_no_refusal(doc_store, pid):
    keys = put_many(doc_store, pid, 3)
    never_stored = store.object_key(pid, 99, 1, SHA_A)
    assert doc_store.delete_many(iter([*keys[:2], never_stored])) == {}
    assert [obj.key for obj in doc_store.iter_objects(f"permits/{pid}/")] == keys[2:]
    assert doc_store.delete_many([]) == {}


def test_bucket_created_when_missing(private_s3_env, pid):
    values = dict(private_s3_env, s3_bucket=f"docs-new-{pid}")
    fresh = store.DocumentStore.from_settings(getter(values))
    assert not fresh.client.bucket_exists(fresh.bucket)
    data = pdf_bytes()
    fresh.put(
        store.object_key(pid, 1, 1, hashlib.sha256(data).hexdigest()), io.BytesIO(data)
    )
    assert fresh.client.bucket_exists(fresh.bucket)


def test_put_stat_and_stream_back(doc_store, pid):
    data = pdf_bytes(3 * 1024 * 1024)
    sha = hashlib.sha256(data).hexdigest()
    key = store.object_key(pid, 1, 1, sha)
    res = doc_store.put(key, io.BytesIO(data), expected_sha256=sha)
    assert (res.size, res.sha256, res.parts) == (len(data), sha, 1)
    info = doc_store.stat(key)
    assert info.size == len(data) and info.content_type == "application/pdf"
    assert doc_store.exists(key)
    chunks = list(doc_store.iter_chunks(key, expected_sha256=sha, chunk_size=65536))
    assert len(chunks) > 1, "download is streamed in chunks"
    assert b"".join(chunks) == data
    assert doc_store.hash_object(key) == (sha, len(data))


def test_keys_are_immutable(doc_store, pid):
    data = pdf_bytes()
    sha = hashlib.sha256(data).hexdigest()
    key = store.object_key(pid, 2, 1, sha)
    doc_store.put(key, io.BytesIO(data))
    with pytest.raises(store.ObjectExists):
        doc_store.put(key, io.BytesIO(pdf_bytes(seed=b"y")))
    assert b"".join(doc_store.iter_chunks(key)) == data


def test_hash_mismatch_aborts_upload_single_and_multipart(doc_store, pid):
    small = pdf_bytes()
    key = store.object_key(pid, 3, 1, SHA_A)
    with pytest.raises(store.IntegrityError):
        doc_store.put(key, io.BytesIO(small), expected_sha256=SHA_A)
    assert not doc_store.exists(key)
    big = pdf_bytes(doc_store.part_size * 2 + 123)
    with pytest.raises(store.IntegrityError):
        doc_store.put(key, io.BytesIO(big), expected_sha256=SHA_A)
    assert not doc_store.exists(key), "multipart upload aborted, not completed"


def test_multipart_path_for_large_stream(doc_store, pid):
    data = pdf_bytes(doc_store.part_size * 2 + 10, seed=b"0123456789")
    sha = hashlib.sha256(data).hexdigest()
    key = store.object_key(pid, 1, 1, sha)
    res = doc_store.put(key, io.BytesIO(data), expected_sha256=sha)
    assert res.parts == 3
    assert doc_store.hash_object(key) == (sha, len(data))


def test_download_detects_altered_object(doc_store, pid):
    data = pdf_bytes()
    sha = hashlib.sha256(data).hexdigest()
    key = store.object_key(pid, 1, 1, sha)
    doc_store.put(key, io.BytesIO(data))
    # alter the object behind the store's back, straight through the SDK
    doc_store.client.put_object(
        doc_store.bucket, key, io.BytesIO(b"%PDF-forged"), length=11
    )
    with pytest.raises(store.IntegrityError):
        b"".join(doc_store.iter_chunks(key, expected_sha256=sha))


def test_missing_object(doc_store):
    doc_store.ensure_bucket()
    assert doc_store.stat("permits/0/0/v1/none.pdf") is None
    with pytest.raises(store.ObjectMissing):
        list(doc_store.iter_chunks("permits/0/0/v1/none.pdf"))


def test_presigned_url_serves_the_object(doc_store, pid):
    data = pdf_bytes()
    sha = hashlib.sha256(data).hexdigest()
    key = store.object_key(pid, 1, 1, sha)
    doc_store.put(key, io.BytesIO(data))
    url = doc_store.presigned_url(key, filename="SK 0001/2026.pdf")
    assert "X-Amz-Expires=300" in url
    with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310
        assert resp.read() == data
        assert "attachment" in resp.headers["Content-Disposition"]


def test_unreachable_server_is_store_unavailable(s3_env):
    pid = 1
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    values = dict(s3_env, s3_endpoint=f"127.0.0.1:{port}")
    dead = store.DocumentStore.from_settings(getter(values))
    with pytest.raises(store.StoreUnavailable):
        dead.put(store.object_key(pid, 1, 1, SHA_A), io.BytesIO(b"%PDF-"))
    with pytest.raises(store.StoreUnavailable):
        dead.stat("x")
    with pytest.raises(store.StoreUnavailable):
        list(dead.iter_objects())
    with pytest.raises(store.StoreUnavailable):
        dead.delete_many([store.object_key(pid, 1, 1, SHA_A)])
    assert issubclass(store.StoreUnavailable, store.StoreError)


def test_wrong_credentials_is_not_unavailable(s3_env):
    values = dict(s3_env, s3_secret_key="wrong-secret")
    bad = store.DocumentStore.from_settings(getter(values))
    with pytest.raises(store.StoreError) as err:
        bad.ping()
    assert not isinstance(err.value, store.StoreUnavailable)
    with pytest.raises(store.StoreError) as err:
        bad.delete_many([store.object_key(1, 1, 1, SHA_A)])
    assert not isinstance(err.value, store.StoreUnavailable)


def test_source_read_error_is_not_unavailable(doc_store, pid):
    class Broken(io.RawIOBase):
        def read(self, n=-1):
            raise PermissionError(13, "Permission denied")

    with pytest.raises(store.SourceError):
        doc_store.put(store.object_key(pid, 1, 1, SHA_A), Broken())


def test_missing_configuration():
    with pytest.raises(store.StoreError, match="sicantik_s3_bucket"):
        store.StoreConfig.from_settings(
            getter({"s3_endpoint": "x", "s3_access_key": "a", "s3_secret_key": "b"})
        )


def test_bucket_created_with_object_lock_when_configured(private_s3_env, pid):
    """Object Lock can only be enabled when a bucket is created: a missing
    bucket is created with it when ``s3_object_lock`` is set, not otherwise."""
    from minio.error import S3Error

    data = pdf_bytes(seed=b"lock")
    key = store.object_key(pid, 1, 1, hashlib.sha256(data).hexdigest())
    for lock in (True, False):
        values = dict(
            private_s3_env,
            s3_bucket=f"docs-lock-{str(lock).lower()}-{pid}",
            s3_object_lock=str(lock),
        )
        fresh = store.DocumentStore.from_settings(getter(values))
        fresh.put(key, io.BytesIO(data))
        if lock:
            assert fresh.client.get_object_lock_config(fresh.bucket)
        else:
            with pytest.raises(S3Error):
                fresh.client.get_object_lock_config(fresh.bucket)
