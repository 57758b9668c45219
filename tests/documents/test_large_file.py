"""A 128 MB file goes through upload, encryption and download in bounded memory.

Measured in a child process, because ``ru_maxrss`` is a high-water mark of the
whole process: the child imports the library, notes its peak, then moves the
file three times (plain upload, encrypted upload, streamed decrypting download)
and reports how far the peak rose.  Holding the file once would add 128 MB;
the streamed path costs a few parts (the SDK copies each part while it
assembles it), whatever the file size.
"""

import hashlib
import json
import os
import subprocess
import sys
import textwrap

from sicantik_documents_lib import store
from support import ADDONS

from .conftest import LIB_DIR

SIZE = 128 * 1024 * 1024

CHILD = textwrap.dedent(
    """
    import hashlib, importlib.util, json, os, resource, sys
    for name, folder in (("lib", sys.argv[1]), ("base_lib", sys.argv[5])):
        spec = importlib.util.spec_from_file_location(
            name, os.path.join(folder, "__init__.py"),
            submodule_search_locations=[folder])
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    from lib import crypto, store
    from base_lib.settings import SETTINGS
    path, sha, pid = sys.argv[2], sys.argv[3], int(sys.argv[4])
    st = store.DocumentStore.from_settings(SETTINGS)
    st.ensure_bucket()
    ring = crypto.Keyring({"k": crypto.os.urandom(32)}, "k")
    peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    base = peak()
    plain = st.put_file(store.object_key(pid, 1, 1, sha), path, expected_sha256=sha)
    with open(path, "rb") as fh:
        reader = crypto.EncryptingReader(fh, ring)
        enc = st.put(store.object_key(pid, 1, 2, sha), reader)
    digest, size = hashlib.sha256(), 0
    for chunk in crypto.decrypt_chunks(
            st.iter_chunks(store.object_key(pid, 1, 2, sha)), ring):
        digest.update(chunk)
        size += len(chunk)
    print(json.dumps({"base_mb": base, "peak_mb": peak(), "parts": plain.parts,
                      "enc_parts": enc.parts, "enc_sha": reader.sha256,
                      "plain_sha": plain.sha256, "down_sha": digest.hexdigest(),
                      "down_size": size}))
    """
)


def test_128mb_upload_encrypt_download_in_bounded_memory(tmp_path, private_s3_env, pid):
    path = tmp_path / "big.pdf"
    digest = hashlib.sha256()
    with open(path, "wb") as fh:
        block = b"%PDF-1.7\n" + os.urandom(1024 * 1024 - 9)
        for i in range(SIZE // len(block)):
            chunk = block if i == 0 else os.urandom(len(block))
            fh.write(chunk)
            digest.update(chunk)
    sha = digest.hexdigest()
    env = dict(
        os.environ, **{"SICANTIK_" + k.upper(): v for k, v in private_s3_env.items()}
    )
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(LIB_DIR),
            str(path),
            sha,
            str(pid),
            str(ADDONS / "sicantik_base" / "lib"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["parts"] == SIZE // store.DEFAULT_PART_SIZE == 16
    assert res["enc_parts"] == 17  # header and tags make it a little larger
    assert res["plain_sha"] == res["enc_sha"] == res["down_sha"] == sha
    assert res["down_size"] == SIZE
    growth = res["peak_mb"] - res["base_mb"]
    assert growth < 64, f"peak memory rose by {growth} MB for a 128 MB file"
