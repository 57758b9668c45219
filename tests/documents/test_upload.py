"""The upload engine against a real S3 server: store, adopt, postpone, refuse."""

import hashlib
import io
import socket

import pytest
from sicantik_documents_lib import crypto, store, upload

from .conftest import getter


def pdf(text):
    return b"%PDF-1.4\n" + text.encode() + b"\n%%EOF\n"


def item(pid, doc_id, data, opener=None):
    sha = hashlib.sha256(data).hexdigest()
    return upload.Upload(
        key=store.object_key(pid, doc_id, 1, sha),
        metadata={"sicantik-document": str(doc_id)},
        sha256=sha,
        opener=opener or (lambda: io.BytesIO(data)),
    )


def run_on(doc_store, keyring):
    return upload.Run(lambda: doc_store, lambda: keyring)


def plaintext(doc_store, keyring, key):
    return b"".join(crypto.decrypt_chunks(doc_store.iter_chunks(key), keyring))


def test_upload_encrypts_and_reports_what_is_at_rest(doc_store, keyring, pid):
    data = pdf("NIK 3201 holder's permit")
    job = item(pid, 1, data)
    outcome = upload.upload(run_on(doc_store, keyring), job)
    assert outcome.status == upload.STORED
    assert outcome.key_id == "k2026"
    assert outcome.result.key == job.key
    at_rest, size = doc_store.hash_object(job.key)
    assert (outcome.result.sha256, outcome.result.size) == (at_rest, size)
    assert at_rest != job.sha256  # the ciphertext, not the document
    info = doc_store.stat(job.key)
    assert info.metadata["sicantik-key-id"] == "k2026"
    assert info.metadata["sicantik-document"] == "1"
    assert plaintext(doc_store, keyring, job.key) == data


def test_an_earlier_encrypted_attempt_is_adopted(doc_store, keyring, pid):
    data = pdf("crashed before commit")
    job = item(pid, 2, data)
    first = upload.upload(run_on(doc_store, keyring), job)
    again = upload.upload(run_on(doc_store, keyring), job)
    assert again.status == upload.STORED
    assert again.result.sha256 == first.result.sha256
    assert again.result.size == first.result.size
    assert again.key_id == "k2026"


def test_an_earlier_plaintext_attempt_is_adopted_as_is(doc_store, keyring, pid):
    data = pdf("stored before encryption")
    job = item(pid, 3, data)
    doc_store.put(job.key, io.BytesIO(data))
    outcome = upload.upload(run_on(doc_store, keyring), job)
    assert outcome.status == upload.STORED
    assert outcome.key_id is False
    assert outcome.result.sha256 == job.sha256


def test_a_key_holding_other_content_is_left_alone(doc_store, keyring, pid):
    data = pdf("ours")
    job = item(pid, 4, data)
    other = crypto.encrypt_bytes(pdf("somebody else's"), keyring)
    doc_store.put(job.key, io.BytesIO(other), metadata={"sicantik-key-id": "k2026"})
    run = run_on(doc_store, keyring)
    outcome = upload.upload(run, job)
    assert outcome.status == upload.PENDING
    assert "already stored under this key" in outcome.error
    assert run.down is None  # one taken key does not stop the batch
    assert doc_store.hash_object(job.key)[0] == hashlib.sha256(other).hexdigest()


def test_a_changed_source_is_a_source_problem_and_leaves_nothing(
    doc_store, keyring, pid
):
    job = item(pid, 5, pdf("as scanned"), opener=lambda: io.BytesIO(pdf("edited")))
    run = run_on(doc_store, keyring)
    outcome = upload.upload(run, job)
    assert outcome.status == upload.SOURCE
    assert isinstance(outcome.error, store.IntegrityError)
    assert doc_store.stat(job.key) is None
    assert run.down is None


def test_a_vanished_source_is_a_source_problem(doc_store, keyring, pid, tmp_path):
    gone = tmp_path / "gone.pdf"
    job = item(pid, 6, pdf("x"), opener=lambda: open(gone, "rb"))  # noqa: SIM115
    outcome = upload.upload(run_on(doc_store, keyring), job)
    assert outcome.status == upload.SOURCE
    assert isinstance(outcome.error, FileNotFoundError)


def test_unreachable_s3_postpones_the_whole_run(s3_env, keyring, pid):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    dead = store.DocumentStore.from_settings(
        getter(dict(s3_env, s3_endpoint=f"127.0.0.1:{port}"))
    )
    opened = []

    def opener(data):
        def open_():
            opened.append(data)
            return io.BytesIO(data)

        return open_

    items = [item(pid, 10 + i, pdf(str(i)), opener(pdf(str(i)))) for i in range(5)]
    run = run_on(dead, keyring)
    outcomes = upload.upload_many(run, items, workers=1)
    assert [o.status for o in outcomes] == [upload.PENDING] * 5
    assert "unavailable" in run.down
    assert {o.error for o in outcomes} == {run.down}
    # after the first outage nothing else was attempted
    assert len(opened) <= 1


def test_no_key_postpones_without_writing(doc_store, pid):
    no_key = crypto.Keyring.from_settings(getter({}))
    job = item(pid, 20, pdf("x"))
    run = run_on(doc_store, no_key)
    outcome = upload.upload(run, job)
    assert outcome.status == upload.PENDING
    assert "key" in outcome.error
    assert run.down == outcome.error
    assert doc_store.stat(job.key) is None


def test_missing_s3_configuration_postpones_like_an_outage(keyring, pid):
    def get_store():
        return store.DocumentStore.from_settings(getter({}))

    run = upload.Run(get_store, lambda: keyring)
    outcome = upload.upload(run, item(pid, 21, pdf("x")))
    assert outcome.status == upload.PENDING
    assert "not configured" in outcome.error


def test_parallel_run_keeps_order_and_isolates_source_problems(doc_store, keyring, pid):
    datas = [pdf(f"permit {i}") for i in range(8)]
    items = [item(pid, 30 + i, d) for i, d in enumerate(datas)]
    items[3] = item(pid, 33, datas[3], opener=lambda: io.BytesIO(pdf("changed")))
    outcomes = upload.upload_many(run_on(doc_store, keyring), items, workers=4)
    assert [o.status for o in outcomes] == [
        upload.SOURCE if i == 3 else upload.STORED for i in range(8)
    ]
    for i, (job, outcome) in enumerate(zip(items, outcomes, strict=True)):
        if i == 3:
            assert doc_store.stat(job.key) is None
            continue
        assert outcome.result.key == job.key
        assert plaintext(doc_store, keyring, job.key) == datas[i]


def test_empty_run_does_nothing(doc_store, keyring):
    assert upload.upload_many(run_on(doc_store, keyring), [], workers=4) == []


@pytest.mark.parametrize("workers", [1, 4])
def test_a_run_already_down_attempts_nothing(keyring, pid, workers):
    """A cron batch that saw S3 down postpones its other files at once."""
    run = upload.Run(lambda: None, lambda: keyring, down="S3 down since 10:02")
    outcomes = upload.upload_many(run, [item(pid, 40, pdf("a"))], workers=workers)
    assert outcomes == [upload.Outcome(upload.PENDING, error="S3 down since 10:02")]
