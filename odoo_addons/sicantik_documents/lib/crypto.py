"""Streaming AES-256-GCM encryption of permit versions at rest.

Why: an original or signed SK carries the holder's NIK and address (and the
official's signature); the bucket is replicated and backed up by people who
must not read it.  Every version is therefore encrypted before it leaves Odoo,
with a key that lives in the deployment (``sicantik_doc_key``), never in the
database.

Why a framed format and not one ``AESGCM.encrypt(whole_file)``: GCM
authenticates a message as a whole, so one-shot encryption would hold the whole
file (plaintext and ciphertext) in memory, for upload and for download.  The
object is cut into fixed-size chunks instead, each sealed on its own with a
nonce that encodes its position and whether it is the last one (the "STREAM"
construction of Hoang, Reyhanitabar, Rogaway and Vizár), so chunks cannot be
reordered, dropped or the file truncated without a tag failing.  Every chunk
authenticates the header too, so the key id and chunk size cannot be swapped.

Layout of an object::

    header  = b"SCENC" | version (1 byte = 1) | len(key_id) (1 byte) | key_id
              | chunk_size (uint32 BE) | nonce_prefix (7 random bytes)
    chunk_i = AESGCM(key).encrypt(nonce_prefix | i (uint32 BE) | last (1 byte),
                                  plaintext[i*chunk_size : (i+1)*chunk_size],
                                  aad=header)

An empty file is one empty last chunk (just its 16-byte tag).  The key id in
the header (also kept on the Odoo record) is what lets keys rotate: new
versions use the current key, old objects keep naming the key they need, and
the keyring holds every key still referenced.  Decryption yields a chunk only
after its tag verified; a wrong key fails on the first chunk.
"""

import base64
import binascii
import hashlib
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"SCENC"
VERSION = 1
TAG_SIZE = 16
NONCE_PREFIX_SIZE = 7
DEFAULT_CHUNK_SIZE = 1024 * 1024
#: Refuse headers asking for absurd chunks: a forged header must not make the
#: decryptor allocate gigabytes.
MAX_CHUNK_SIZE = 16 * 1024 * 1024
_FIXED = struct.Struct(">5sBB")


class CryptoError(Exception):
    """Base class: the object cannot be encrypted or decrypted."""


class KeyNotFound(CryptoError):
    """The object names a key id the keyring does not hold."""


class DecryptionError(CryptoError):
    """A tag did not verify: wrong key, or the object was altered/truncated."""


class FormatError(CryptoError):
    """The bytes are not an object of this format (or not encrypted at all)."""


def _decode_key(key_id, text):
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CryptoError(f"key {key_id!r} is not valid base64") from exc
    if len(key) != 32:
        raise CryptoError(f"key {key_id!r} must be 32 bytes, got {len(key)}")
    return key


class Keyring:
    """The document keys: one current key for new objects, older ones to read.

    Settings: ``doc_key`` (base64, 32 bytes) with ``doc_key_id`` is the current
    key; ``doc_keys`` (``"id1:base64,id2:base64"``) adds the retired keys that
    old objects still name.  Rotating = move the current key into
    ``doc_keys`` and set a new ``doc_key``/``doc_key_id``.
    """

    def __init__(self, keys, current_id=None):
        for key_id, key in keys.items():
            if not key_id or len(key_id.encode()) > 64 or ":" in key_id:
                raise CryptoError(f"invalid key id {key_id!r}")
            if len(key) != 32:
                raise CryptoError(f"key {key_id!r} must be 32 bytes")
        if current_id is not None and current_id not in keys:
            raise CryptoError(f"current key {current_id!r} is not in the keyring")
        self._keys = dict(keys)
        self.current_id = current_id

    @classmethod
    def from_settings(cls, get):
        keys = {}
        for item in (get("doc_keys", "") or "").split(","):
            if not item.strip():
                continue
            key_id, sep, text = item.strip().partition(":")
            if not sep:
                raise CryptoError("sicantik_doc_keys must look like id:base64,...")
            keys[key_id.strip()] = _decode_key(key_id.strip(), text)
        current = get("doc_key", None)
        current_id = None
        if current:
            current_id = (get("doc_key_id", None) or "").strip() or "default"
            keys[current_id] = _decode_key(current_id, current)
        return cls(keys, current_id)

    def __contains__(self, key_id):
        return key_id in self._keys

    @property
    def can_encrypt(self):
        return self.current_id is not None

    def key(self, key_id):
        try:
            return self._keys[key_id]
        except KeyError:
            raise KeyNotFound(
                f"document key {key_id!r} is not configured (sicantik_doc_keys)"
            ) from None

    def current(self):
        if self.current_id is None:
            raise KeyNotFound("no document key configured (sicantik_doc_key)")
        return self.current_id, self._keys[self.current_id]


def generate_key():
    """A new random key, base64-encoded as the settings expect."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()


def _header(key_id, chunk_size, prefix):
    kid = key_id.encode()
    return (
        _FIXED.pack(MAGIC, VERSION, len(kid))
        + kid
        + struct.pack(">I", chunk_size)
        + prefix
    )


def _nonce(prefix, index, last):
    if index >= 2**32:
        raise CryptoError("object too large for this format")
    return prefix + struct.pack(">IB", index, 1 if last else 0)


def parse_header(data):
    """Return ``(key_id, chunk_size, prefix, header_length)`` or raise.

    Raises :class:`FormatError` when ``data`` does not start with a header, and
    ``ValueError`` when it is merely too short to tell yet.
    """
    if len(data) < _FIXED.size:
        if not MAGIC.startswith(bytes(data[: len(MAGIC)])):
            raise FormatError("not an encrypted SICANTIK document")
        raise ValueError("short header")
    magic, version, kid_len = _FIXED.unpack_from(data)
    if magic != MAGIC:
        raise FormatError("not an encrypted SICANTIK document")
    if version != VERSION:
        raise FormatError(f"unknown encryption format version {version}")
    end = _FIXED.size + kid_len + 4 + NONCE_PREFIX_SIZE
    if len(data) < end:
        raise ValueError("short header")
    key_id = bytes(data[_FIXED.size : _FIXED.size + kid_len]).decode()
    (chunk_size,) = struct.unpack_from(">I", data, _FIXED.size + kid_len)
    if not 0 < chunk_size <= MAX_CHUNK_SIZE:
        raise FormatError(f"implausible chunk size {chunk_size}")
    prefix = bytes(data[end - NONCE_PREFIX_SIZE : end])
    return key_id, chunk_size, prefix, end


class EncryptingReader:
    """A file-like ``read(n)`` that returns the encrypted form of ``fileobj``.

    Made to be handed to :meth:`store.DocumentStore.put`; it hashes the
    *plaintext* on the way (``sha256``/``size``), because the record's hash is
    the one of the document, whatever its form at rest.
    """

    def __init__(self, fileobj, keyring, chunk_size=DEFAULT_CHUNK_SIZE):
        if not 0 < chunk_size <= MAX_CHUNK_SIZE:
            raise CryptoError(f"chunk size {chunk_size} out of range")
        self.key_id, key = keyring.current()
        self._aead = AESGCM(key)
        self._src = fileobj
        self._chunk_size = chunk_size
        self._prefix = os.urandom(NONCE_PREFIX_SIZE)
        self._header = _header(self.key_id, chunk_size, self._prefix)
        self._out, self._pos = self._header, 0
        self._index = 0
        self._pending = None
        self._done = False
        self._hash = hashlib.sha256()
        self.size = 0

    @property
    def sha256(self):
        return self._hash.hexdigest()

    def _read_plain(self):
        data = self._src.read(self._chunk_size)
        # a short read is not EOF for pipes/sockets: fill the chunk
        while data and len(data) < self._chunk_size:
            more = self._src.read(self._chunk_size - len(data))
            if not more:
                break
            data += more
        self._hash.update(data)
        self.size += len(data)
        return data

    def _seal_next(self):
        current = self._read_plain() if self._pending is None else self._pending
        following = self._read_plain() if current else b""
        last = not following
        nonce = _nonce(self._prefix, self._index, last)
        self._index += 1
        self._pending = following
        self._done = last
        return self._aead.encrypt(nonce, current, self._header)

    def read(self, size=-1):  # pylint: disable=method-required-super
        """Return up to ``size`` bytes (``b""`` at the end).

        Returns at most one sealed chunk per call (callers such as the S3 SDK
        loop until they have a part), so the reader itself never holds more
        than about two plaintext chunks.
        """
        if self._pos >= len(self._out):
            if self._done:
                return b""
            self._out, self._pos = self._seal_next(), 0
        if size is None or size < 0:
            if self._done:
                out = self._out[self._pos :]
                self._out, self._pos = b"", 0
                return out
            parts = [self._out[self._pos :]]
            while not self._done:
                parts.append(self._seal_next())
            self._out, self._pos = b"", 0
            return b"".join(parts)
        out = self._out[self._pos : self._pos + size]
        self._pos += len(out)
        return out


def decrypt_chunks(chunks, keyring):
    """Decrypt an iterable of ciphertext byte chunks; yield verified plaintext.

    Memory stays around two chunks whatever the object size.  Raises
    :class:`KeyNotFound`, :class:`DecryptionError` (wrong key, altered or
    truncated object) or :class:`FormatError`.
    """
    buffer = bytearray()
    state = None  # (aead, header, prefix, encrypted chunk length)
    index = 0
    for data in chunks:
        buffer += data
        if state is None:
            try:
                key_id, chunk_size, prefix, hlen = parse_header(buffer)
            except ValueError:
                continue
            header = bytes(buffer[:hlen])
            del buffer[:hlen]
            state = (AESGCM(keyring.key(key_id)), header, prefix, chunk_size + TAG_SIZE)
        aead, header, prefix, enc_len = state
        # strictly more than one chunk buffered: this one is not the last
        while len(buffer) > enc_len:
            yield _open(aead, prefix, index, False, buffer[:enc_len], header)
            del buffer[:enc_len]
            index += 1
    if state is None:
        raise FormatError("truncated: no complete header")
    aead, header, prefix, enc_len = state
    if len(buffer) < TAG_SIZE:
        raise DecryptionError("truncated: last chunk missing")
    yield _open(aead, prefix, index, True, buffer, header)


def _open(aead, prefix, index, last, data, header):
    try:
        return aead.decrypt(_nonce(prefix, index, last), bytes(data), header)
    except InvalidTag:
        raise DecryptionError(
            f"chunk {index} failed authentication: wrong key, or the object was "
            "altered or truncated"
        ) from None


def encrypt_bytes(data, keyring, chunk_size=DEFAULT_CHUNK_SIZE):
    """Convenience for small payloads and tests."""
    import io

    return EncryptingReader(io.BytesIO(data), keyring, chunk_size).read()


def decrypt_bytes(data, keyring):
    return b"".join(decrypt_chunks([data], keyring))


def key_id_of(first_bytes):
    """The key id named by an encrypted object, from its first bytes."""
    return parse_header(first_bytes)[0]
