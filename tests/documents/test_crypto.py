"""Streaming AES-256-GCM: round trips, tampering, key rotation, S3 at rest."""

import hashlib
import io
import os

import pytest
from sicantik_documents_lib import crypto, store

from .conftest import getter


def test_round_trip_sizes_around_chunk_boundaries(keyring):
    for size in (0, 1, 15, 16, 17, 63, 64, 65, 128, 1000):
        data = os.urandom(size)
        reader = crypto.EncryptingReader(io.BytesIO(data), keyring, chunk_size=16)
        blob = b""
        while chunk := reader.read(7):
            blob += chunk
        assert reader.sha256 == hashlib.sha256(data).hexdigest()
        assert reader.size == size
        # any split of the ciphertext into chunks decrypts the same
        pieces = [blob[i : i + 5] for i in range(0, len(blob), 5)]
        assert b"".join(crypto.decrypt_chunks(pieces, keyring)) == data
        assert crypto.key_id_of(blob[:64]) == "k2026"


def test_wrong_key_fails_loudly(keyring):
    blob = crypto.encrypt_bytes(b"%PDF-secret NIK 3201...", keyring)
    other = crypto.Keyring({"k2026": os.urandom(32)}, "k2026")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_bytes(blob, other)
    with pytest.raises(crypto.KeyNotFound):
        crypto.decrypt_bytes(blob, crypto.Keyring({"other": os.urandom(32)}))


def test_tampering_truncation_and_reordering_are_detected(keyring):
    data = os.urandom(100)
    blob = crypto.encrypt_bytes(data, keyring, chunk_size=16)
    hlen = crypto.parse_header(blob)[3]
    flipped = bytearray(blob)
    flipped[hlen + 3] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_bytes(bytes(flipped), keyring)
    enc = 16 + crypto.TAG_SIZE
    # drop the last chunk: the new last one was not sealed as "last"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_bytes(blob[: hlen + 6 * enc], keyring)
    body = blob[hlen:]
    swapped = blob[:hlen] + body[enc : 2 * enc] + body[:enc] + body[2 * enc :]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_bytes(swapped, keyring)
    # the header is authenticated: claiming another chunk size fails
    forged = bytearray(blob)
    forged[hlen - 8] ^= 0x01
    with pytest.raises(crypto.CryptoError):
        crypto.decrypt_bytes(bytes(forged), keyring)
    with pytest.raises(crypto.FormatError):
        crypto.decrypt_bytes(b"%PDF-1.4 plain", keyring)


def test_rotation_reads_old_objects_and_writes_with_new_key():
    old_key, new_key = crypto.generate_key(), crypto.generate_key()
    before = crypto.Keyring.from_settings(
        getter({"doc_key": old_key, "doc_key_id": "2025"})
    )
    blob = crypto.encrypt_bytes(b"%PDF-old", before)
    after = crypto.Keyring.from_settings(
        getter(
            {"doc_key": new_key, "doc_key_id": "2026", "doc_keys": f"2025:{old_key}"}
        )
    )
    assert after.current_id == "2026" and "2025" in after
    assert crypto.decrypt_bytes(blob, after) == b"%PDF-old"
    assert crypto.key_id_of(crypto.encrypt_bytes(b"%PDF-new", after)) == "2026"


def test_bad_key_settings_are_refused():
    with pytest.raises(crypto.CryptoError):
        crypto.Keyring.from_settings(getter({"doc_key": "c2hvcnQ="}))
    with pytest.raises(crypto.CryptoError):
        crypto.Keyring.from_settings(getter({"doc_keys": "nocolon"}))
    with pytest.raises(crypto.KeyNotFound):
        crypto.Keyring({}).current()


def test_encrypted_object_at_rest_in_s3(doc_store, keyring, pid):
    data = b"%PDF-1.7\n" + b"NIK 3201234567890001 " * 50000
    sha = hashlib.sha256(data).hexdigest()
    key = store.object_key(pid, 1, 2, sha)
    reader = crypto.EncryptingReader(io.BytesIO(data), keyring, chunk_size=65536)
    res = doc_store.put(key, reader, content_type="application/octet-stream")
    assert reader.sha256 == sha and reader.size == len(data)
    raw = b"".join(doc_store.iter_chunks(key))
    assert raw != data and not raw.startswith(b"%PDF") and b"NIK 3201" not in raw
    assert res.size == len(raw) and res.sha256 == hashlib.sha256(raw).hexdigest()
    assert crypto.key_id_of(raw) == "k2026"
    plain = b"".join(crypto.decrypt_chunks(doc_store.iter_chunks(key), keyring))
    assert plain == data
    wrong = crypto.Keyring({"k2026": os.urandom(32)}, "k2026")
    with pytest.raises(crypto.DecryptionError):
        b"".join(crypto.decrypt_chunks(doc_store.iter_chunks(key), wrong))
