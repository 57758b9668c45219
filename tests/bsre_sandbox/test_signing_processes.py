"""Where the sandbox computes signatures: worker processes or request threads.

The sandbox signs in ``--sign-processes`` worker processes (default: one per
CPU) so parallel sign calls use every core, and keeps signing in its request
threads with ``--sign-processes 0``. Both modes must give the same contract:
real signatures that validate offline against the published CA, a batch that
signs all or nothing, and a call log that shows each document signed exactly
once, with the CPU the signature cost (``cpu_ms``).
"""

from __future__ import annotations

import base64
import concurrent.futures
import hashlib
import io

import pytest
import requests
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from sandbox.bsre import pdfsample
from sandbox.bsre.runner import start_sandbox

NIK = "1206010101800001"
PASSPHRASE = "Sandbox#123"  # sandbox test data (sandbox/bsre/users.json)


@pytest.fixture(scope="module", params=[2, 0], ids=["processes", "threads"])
def api(request):
    with start_sandbox(
        port=0, extra_args=["--sign-processes", str(request.param)]
    ) as sb:
        with requests.Session() as session:
            session.auth = sb.auth
            session.base = sb.url
            session.processes = request.param
            yield session


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def specimen() -> str:
    out = io.BytesIO()
    Image.new("RGB", (60, 30), (0, 0, 200)).save(out, "PNG")
    return b64(out.getvalue())


def sign(api, files, props=None):
    body = {
        "nik": NIK,
        "passphrase": PASSPHRASE,
        "signatureProperties": props or [{"tampilan": "INVISIBLE"}],
        "file": [b64(f) for f in files],
    }
    return api.post(api.base + "/api/v2/sign/pdf", json=body, timeout=60)


def assert_trusted(api, signed: bytes) -> None:
    ca_pem = requests.get(api.base + "/_sandbox/ca.pem", timeout=10).content
    root = asn1_x509.Certificate.load(pem.unarmor(ca_pem)[2])
    vc = ValidationContext(trust_roots=[root], allow_fetching=False)
    [emb] = PdfFileReader(io.BytesIO(signed)).embedded_signatures
    status = validate_pdf_signature(
        emb, signer_validation_context=vc, ts_validation_context=vc
    )
    assert status.intact and status.valid and status.trusted
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted


def test_health_reports_the_signing_mode(api):
    health = requests.get(api.base + "/_sandbox/health", timeout=10).json()
    assert health["sign_processes"] == api.processes


def test_parallel_batches_sign_each_document_once(api):
    api.delete(api.base + "/_sandbox/log")
    batches = [
        [pdfsample.make_pdf([[f"Surat Izin {b}-{i}"]]) for i in range(3)]
        for b in range(6)
    ]
    props = [
        {"tampilan": "INVISIBLE", "reason": "Batch"},
        {
            "tampilan": "VISIBLE",
            "imageBase64": specimen(),
            "page": 1,
            "originX": 50,
            "originY": 50,
            "width": 60,
            "height": 30,
        },
        {"tampilan": "INVISIBLE", "location": "Kabanjahe"},
    ]
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(lambda files: sign(api, files, props), batches))
    assert [r.status_code for r in responses] == [200] * 6
    for files, response in zip(batches, responses, strict=True):
        outputs = [base64.b64decode(f) for f in response.json()["file"]]
        for original, signed in zip(files, outputs, strict=True):
            assert signed.startswith(original)  # input order kept
    assert_trusted(api, base64.b64decode(responses[0].json()["file"][1]))

    log = api.get(api.base + "/_sandbox/log", params={"endpoint": "v2.sign"}).json()
    signed_docs = [d for call in log if call["signed"] for d in call["documents"]]
    wanted = sorted(hashlib.sha256(f).hexdigest() for b in batches for f in b)
    assert sorted(d["sha256_in"] for d in signed_docs) == wanted
    assert all(d["cpu_ms"] > 0 for d in signed_docs)


def test_a_bad_file_rejects_the_whole_batch(api):
    api.delete(api.base + "/_sandbox/log")
    files = [pdfsample.make_pdf([["ok"]]), b"%PDF-1.4 broken", b"not a pdf"]
    response = sign(api, files)
    assert response.status_code == 400
    assert response.json()["error"].endswith("(file[1])")
    [call] = api.get(api.base + "/_sandbox/log").json()
    assert call["outcome"] == "rejected" and not call["signed"]
    assert all(d["sha256_out"] is None for d in call["documents"])
