"""End-to-end tests of the BSrE sandbox over real HTTP (no mocks).

Each test talks to one sandbox subprocess started on a free port by
``sandbox.bsre.runner``. They pin the wire contract our Odoo client relies on
(shapes, codes, quirks of docs/reference/bsre.md) and the fault knobs the client's
own tests will use, and they check the signatures are real: pyHanko validates
them offline against the CA the sandbox publishes.
"""

from __future__ import annotations

import base64
import concurrent.futures
import io
import json
import time
from pathlib import Path

import pytest
import requests
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import copy_into_new_writer
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from sandbox.bsre import pdfsample, signing
from sandbox.bsre import totp as totp_mod
from sandbox.bsre.users import STATUSES

SEED = json.loads(
    (Path(__file__).resolve().parents[2] / "sandbox/bsre/users.json").read_text()
)
BUDI = next(u for u in SEED["users"] if u["nik"] == "1206010101800001")
SITI = next(u for u in SEED["users"] if u["nik"] == "1206014202850002")
SEAL_ID = SEED["seal_subscribers"][0]["id_subscriber"]
UNKNOWN_NIK = "1206019999999999"


def user_with(status: str) -> dict:
    return next(u for u in SEED["users"] if u["status"] == status)


def pdf(*lines: str, pages: int = 1) -> bytes:
    return pdfsample.make_pdf([[*lines, f"Halaman {i + 1}"] for i in range(pages)])


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def v1_sign(api, data: bytes, nik=BUDI["nik"], passphrase=BUDI["passphrase"], **form):
    fields = {"nik": nik, "passphrase": passphrase, "tampilan": "invisible", **form}
    files = {"file": ("permit.pdf", data, "application/pdf")}
    if "imageTTD" in fields:
        files["imageTTD"] = ("ttd.png", fields.pop("imageTTD"), "image/png")
    return api.post(api.base + "/api/sign/pdf", data=fields, files=files, timeout=30)


def v2_sign(api, files: list[bytes], props=None, **ident):
    body = {
        "signatureProperties": props or [{"tampilan": "INVISIBLE"}],
        "file": [b64(f) for f in files],
        **(ident or {"nik": BUDI["nik"], "passphrase": BUDI["passphrase"]}),
    }
    return api.post(api.base + "/api/v2/sign/pdf", json=body, timeout=60)


def widgets(data: bytes) -> list[tuple[str, int, list[float], object]]:
    """(field name, 0-based page, /Rect, appearance stream) per signature."""
    reader = PdfFileReader(io.BytesIO(data))
    page_refs = [
        reader.find_page_for_modification(i)[0]
        for i in range(int(reader.root["/Pages"]["/Count"]))
    ]
    out = []
    for emb in reader.embedded_signatures:
        field = emb.sig_field
        page_ix = next(
            (
                i
                for i, ref in enumerate(page_refs)
                if ref.idnum == field.raw_get("/P").idnum
            ),
            -1,
        )
        ap = field.get("/AP")
        out.append(
            (
                emb.field_name,
                page_ix,
                [float(v) for v in field["/Rect"]],
                ap["/N"] if ap else None,
            )
        )
    return out


def stamp_image(appearance) -> tuple[int, int, bytes]:
    """The first image XObject drawn by a signature appearance stream."""
    for xobj in appearance["/Resources"]["/XObject"].values():
        xobj = xobj.get_object()
        if xobj.get("/Subtype") == "/Image":
            return int(xobj["/Width"]), int(xobj["/Height"]), xobj.data
        inner = stamp_image(xobj) if "/Resources" in xobj else None
        if inner:
            return inner
    raise AssertionError("no image in appearance")


def tamper(signed: bytes, original_word: bytes = b"Izin") -> bytes:
    """Flip a word inside the signed (original) content, not the signature."""
    pos = signed.index(original_word)
    assert pos < signed.index(b"/ByteRange"), "word must precede the signature"
    return signed[:pos] + b"Izun" + signed[pos + 4 :]


# ---------------------------------------------------------------------------
# auth, status


def test_unauthorized_has_spring_body(sandbox):
    for auth in (None, ("sandbox", "wrong"), ("nobody", sandbox.api_password)):
        resp = requests.post(
            sandbox.url + "/api/v2/user/check/status",
            json={"nik": BUDI["nik"]},
            auth=auth,
            timeout=10,
        )
        assert resp.status_code == 401
        body = resp.json()
        assert set(body) == {"timestamp", "status", "error", "path"}
        assert body["status"] == 401
        assert body["error"] == "Unauthorized"
        assert body["path"] == "/api/v2/user/check/status"
    # admin endpoints are behind the same credentials; the CA is public.
    assert requests.get(sandbox.url + "/_sandbox/log", timeout=10).status_code == 401
    ca = requests.get(sandbox.url + "/_sandbox/ca.pem", timeout=10)
    assert ca.status_code == 200 and b"BEGIN CERTIFICATE" in ca.content


def test_v1_status_for_every_seeded_status(api):
    seen = set()
    for user in SEED["users"]:
        resp = api.get(api.base + f"/api/user/status/{user['nik']}", timeout=10)
        assert resp.status_code == 200
        body = resp.json()
        assert set(body) == {"status_code", "status", "message"}
        assert body["status"] == user["status"]
        assert isinstance(body["status_code"], int)
        assert body["status_code"] == STATUSES[user["status"]].v1_code
        seen.add(user["status"])
    assert seen == set(STATUSES)
    assert (
        api.get(api.base + f"/api/user/status/{BUDI['nik']}").json()["status_code"]
        == 1111
    )
    unknown = api.get(api.base + f"/api/user/status/{UNKNOWN_NIK}").json()
    assert unknown == {
        "status_code": 1110,
        "status": "NOT_REGISTERED",
        "message": "User belum terdaftar",
    }


def test_v2_status_for_every_seeded_status_by_nik_and_email(api):
    url = api.base + "/api/v2/user/check/status"
    for user in SEED["users"]:
        for key in ("nik", "email"):
            resp = api.post(url, json={key: user[key]}, timeout=10)
            assert resp.status_code == 200
            body = resp.json()
            assert list(body) == ["status_code", "message", "status"]
            assert body["status"] == user["status"]
            assert isinstance(body["status_code"], str)
            assert body["status_code"] == STATUSES[user["status"]].v2_code
    assert api.post(url, json={"nik": UNKNOWN_NIK}).json()["status_code"] == "2011"
    assert (
        api.post(url, json={"nik": user_with("NO_CERTIFICATE")["nik"]}).json()[
            "status_code"
        ]
        == "2021"
    )
    # empty / malformed identity: still HTTP 200, NOT_REGISTERED
    # (docs/reference/bsre.md#certificate-status)
    for body in ({}, {"nik": "12"}, {"email": "nope"}):
        resp = api.post(url, json=body)
        assert resp.status_code == 200
        assert resp.json()["status"] == "NOT_REGISTERED"
    garbage = api.post(url, data=b"not json", timeout=10)
    assert garbage.status_code == 200 and garbage.json()["status_code"] == "2011"


# ---------------------------------------------------------------------------
# v1 signing


def test_v1_sign_invisible_then_download_exactly_once(api):
    original = pdf("Surat Izin Usaha")
    resp = v1_sign(api, original, reason="Persetujuan", location="Kabanjahe")
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"] == "application/pdf"
    assert resp.content.startswith(b"%PDF")
    assert resp.content.startswith(original)  # incremental update
    doc_id = resp.headers["id_dokumen"]
    assert doc_id

    first = api.get(api.base + f"/api/sign/download/{doc_id}", timeout=10)
    assert first.status_code == 200
    assert first.content == resp.content
    second = api.get(api.base + f"/api/sign/download/{doc_id}", timeout=10)
    assert second.status_code == 404
    assert second.json()["status_code"] == 4044

    [(name, _page, rect, _ap)] = widgets(resp.content)
    assert name.startswith("sig_")
    assert rect == [0, 0, 0, 0]  # invisible


def test_v1_sign_visible_qr_at_coordinates(api):
    link = "https://sicantik.example.test/verify/SK-2024-0001"
    resp = v1_sign(
        api,
        pdf("Surat Izin Usaha", pages=3),
        tampilan="visible",
        image="false",
        linkQR=link,
        page="2",
        xAxis="400",
        yAxis="60",
        width="120",
        height="120",
    )
    assert resp.status_code == 200, resp.text
    [(_name, page_ix, rect, ap)] = widgets(resp.content)
    assert page_ix == 1
    assert rect == [400, 60, 520, 180]
    width, height, pixels = stamp_image(ap)
    expected = signing.render_qr(link)
    assert (width, height) == expected.size
    assert pixels == expected.tobytes()  # the stamp encodes exactly linkQR

    last = v1_sign(
        api,
        pdf("Surat Izin Usaha", pages=3),
        tampilan="visible",
        image="false",
        linkQR=link,
        halaman="terakhir",
        xAxis="10",
        yAxis="10",
        width="50",
        height="50",
    )
    assert last.status_code == 200, last.text
    assert widgets(last.content)[0][1] == 2


def test_v1_sign_visible_specimen_and_tag(api):
    specimen = io.BytesIO()
    Image.new("RGB", (90, 45), (200, 0, 0)).save(specimen, "PNG")
    resp = v1_sign(
        api,
        pdf("Surat Izin Usaha"),
        tampilan="visible",
        image="true",
        imageTTD=specimen.getvalue(),
        page="1",
        xAxis="100",
        yAxis="100",
        width="180",
        height="90",
    )
    assert resp.status_code == 200, resp.text
    [(_n, page_ix, rect, ap)] = widgets(resp.content)
    assert (page_ix, rect) == (0, [100, 100, 280, 190])
    assert stamp_image(ap)[:2] == (90, 45)

    tagged = pdf("Surat Izin Usaha", "Kepala Dinas: #")
    resp = v1_sign(
        api,
        tagged,
        tampilan="visible",
        image="true",
        imageTTD=specimen.getvalue(),
        width="80",
        height="40",
        tag_koordinat="#",
    )
    assert resp.status_code == 200, resp.text
    [(_n, page_ix, rect, _ap)] = widgets(resp.content)
    centre = ((rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2)
    # line 2 is drawn at y = 842 - 72 - 18 = 752; "Kepala Dinas: " ~ 80 pt wide
    assert page_ix == 0
    assert 130 < centre[0] < 190 and abs(centre[1] - 756) < 15

    missing = v1_sign(
        api,
        pdf("Surat Izin Usaha"),
        tampilan="visible",
        image="true",
        imageTTD=specimen.getvalue(),
        width="80",
        height="40",
        tag_koordinat="$",
    )
    assert missing.status_code == 400
    assert "tag_koordinat '$' tidak ditemukan" in missing.json()["error"]
    too_long = v1_sign(
        api,
        tagged,
        tampilan="visible",
        image="true",
        imageTTD=specimen.getvalue(),
        width="80",
        height="40",
        tag_koordinat="${ttd}",
    )
    assert too_long.status_code == 400
    assert "1 karakter" in too_long.json()["error"]


def test_v1_sign_rejects_non_pdf(api):
    resp = v1_sign(api, b"this is not a pdf")
    assert resp.status_code == 400
    body = resp.json()
    assert body["status_code"] == 400
    assert body["error"].startswith("Proses signing gagal : ")
    assert "InvalidPdfException" in body["error"]


# ---------------------------------------------------------------------------
# verification


def test_v1_verify_valid_tampered_unsigned(api):
    signed = v1_sign(
        api, pdf("Surat Izin Usaha"), reason="Persetujuan", location="Kabanjahe"
    ).content
    url = api.base + "/api/sign/verify"

    ok = api.post(url, files={"signed_file": ("sk.pdf", signed)}, timeout=30).json()
    assert ok["nama_dokumen"] == "sk.pdf"
    assert ok["jumlah_signature"] == 1
    assert ok["summary"] == "DOCUMENT VALID !!!"
    detail = ok["details"][0]
    assert detail["info_signer"]["signer_name"] == BUDI["name"]
    assert detail["info_signer"]["cert_user_certified"] is True
    assert detail["signature_document"]["document_integrity"] is True
    assert detail["signature_document"]["reason"] == "Persetujuan"
    assert detail["signature_document"]["location"] == "Kabanjahe"
    assert detail["signature_document"]["signed_using_tsa"] is True
    assert "Timestamp Authority" in detail["info_tsa"]["name"]
    assert detail["signature_field"].startswith("sig_")

    bad = api.post(
        url, files={"signed_file": ("sk.pdf", tamper(signed))}, timeout=30
    ).json()
    assert bad["summary"] == "DOCUMENT NOT VALID !!!"
    assert bad["details"][0]["signature_document"]["document_integrity"] is False

    unsigned = api.post(
        url, files={"signed_file": ("x.pdf", pdf("Surat Izin Usaha"))}, timeout=30
    ).json()
    assert unsigned == {
        "nama_dokumen": "x.pdf",
        "jumlah_signature": 0,
        "notes": None,
        "details": [],
        "summary": None,
    }


def test_v2_verify_shapes(api):
    signed = v1_sign(api, pdf("Surat Izin Usaha")).content
    url = api.base + "/api/v2/verify/pdf"

    ok = api.post(url, json={"file": b64(signed)}, timeout=30).json()
    assert ok["conclusion"] == "VALID"
    assert ok["signatureCount"] == 1
    info = ok["signatureInformations"][0]
    assert info["signerName"] == BUDI["name"]
    assert info["integrityValid"] is True and info["certificateTrusted"] is True
    assert info["signatureFormat"] == "PAdES-BASELINE-T"
    assert info["id"].startswith("S-")
    assert info["timestampInfomation"]["id"].startswith("T-")  # vendor typo
    chain = info["certificateDetails"]
    assert len(chain) == 3
    assert chain[0]["commonName"] == BUDI["name"]
    assert all("signatureAlgoritm" in c for c in chain)  # vendor typo
    assert chain[0]["issuerName"] == chain[1]["subjectName"]

    bad = api.post(url, json={"file": b64(tamper(signed))}, timeout=30).json()
    assert bad["conclusion"] == "INVALID"
    assert bad["signatureInformations"][0]["integrityValid"] is False

    none = api.post(url, json={"file": b64(pdf("x"))}, timeout=30).json()
    assert none["conclusion"] == "NO_SIGNATURE"
    assert none["signatureCount"] == 0 and none["signatureInformations"] == []

    for body in ({"file": b64(b"hello")}, {"file": ""}, {}):
        resp = api.post(url, json=body, timeout=30)
        assert resp.status_code == 500
        assert resp.json()["status"] == 500


def test_offline_pyhanko_validation_against_published_ca(api):
    signed = v2_sign(api, [pdf("Surat Izin Usaha")]).json()["file"][0]
    ca_pem = requests.get(api.base + "/_sandbox/ca.pem", timeout=10).content
    _, _, der = pem.unarmor(ca_pem)
    root = asn1_x509.Certificate.load(der)
    vc = ValidationContext(trust_roots=[root], allow_fetching=False)
    reader = PdfFileReader(io.BytesIO(base64.b64decode(signed)))
    [emb] = reader.embedded_signatures
    status = validate_pdf_signature(
        emb, signer_validation_context=vc, ts_validation_context=vc
    )
    assert status.bottom_line, status.pretty_print_details()
    assert status.intact and status.valid and status.trusted
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    path = list(status.validation_path.iter_certs(include_root=True))
    assert len(path) == 3
    assert path[-1].subject.native["common_name"] == BUDI["name"]


# ---------------------------------------------------------------------------
# v2 signing


def test_v2_batch_with_one_property(api):
    inputs = [pdf(f"Surat Izin Usaha nomor {i}") for i in range(3)]
    resp = v2_sign(api, inputs, [{"tampilan": "INVISIBLE", "reason": "Batch"}])
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"time", "file"} and isinstance(body["time"], int)
    outputs = [base64.b64decode(f) for f in body["file"]]
    assert len(outputs) == 3
    for original, signed in zip(inputs, outputs, strict=True):
        assert signed.startswith(original)  # same order as the input
    log = api.get(api.base + "/_sandbox/log", params={"endpoint": "v2.sign"}).json()
    assert [d["index"] for d in log[-1]["documents"]] == [0, 1, 2]


def test_v2_batch_with_three_properties(api):
    specimen = io.BytesIO()
    Image.new("RGB", (60, 30), (0, 0, 200)).save(specimen, "PNG")
    image = b64(specimen.getvalue())
    inputs = [
        pdf("Surat Izin Usaha A"),
        pdf("Surat Izin Usaha B", pages=2),
        pdf("Surat Izin Usaha C", "Tanda tangan: $"),
    ]
    props = [
        {"tampilan": "INVISIBLE", "reason": "satu"},
        {
            "tampilan": "VISIBLE",
            "imageBase64": image,
            "page": 2,
            "originX": 10,
            "originY": 10,
            "width": 200,
            "height": 100,
            "location": "Kabanjahe",
        },
        {
            "tampilan": "VISIBLE",
            "imageBase64": image,
            "tag_koordinat": "$",
            "width": 60,
            "height": 30,
        },
    ]
    resp = v2_sign(
        api, inputs, props, email=SITI["email"], passphrase=SITI["passphrase"]
    )
    assert resp.status_code == 200, resp.text
    outputs = [base64.b64decode(f) for f in resp.json()["file"]]
    assert widgets(outputs[0])[0][2] == [0, 0, 0, 0]
    # v2 origin is the page's top-left corner: y=10 from the top of an A4 page
    assert widgets(outputs[1])[0][1:3] == (1, [10, 732, 210, 832])
    assert widgets(outputs[2])[0][2] != [0, 0, 0, 0]

    mismatch = v2_sign(api, inputs, props[:2])
    assert mismatch.status_code == 400
    assert "signatureProperties" in mismatch.json()["error"]


def test_v2_sign_validates_identity_and_secret(api):
    both = v2_sign(
        api, [pdf("x")], nik=BUDI["nik"], email=BUDI["email"], passphrase="x"
    )
    assert both.status_code == 400
    neither = v2_sign(api, [pdf("x")], nik=BUDI["nik"])
    assert neither.status_code == 400
    data_url = api.post(
        api.base + "/api/v2/sign/pdf",
        json={
            "nik": BUDI["nik"],
            "passphrase": BUDI["passphrase"],
            "signatureProperties": [{"tampilan": "INVISIBLE"}],
            "file": ["data:application/pdf;base64," + b64(pdf("x"))],
        },
    )
    assert data_url.status_code == 400
    assert "base64" in data_url.json()["error"]


# ---------------------------------------------------------------------------
# business errors


def test_wrong_passphrase_is_2031_at_400_then_500_by_knob(api):
    resp = v1_sign(api, pdf("x"), passphrase="salah")
    assert resp.status_code == 400
    assert resp.json() == {"error": "Passphrase anda salah", "status_code": 2031}
    resp = v2_sign(api, [pdf("x")], nik=BUDI["nik"], passphrase="salah")
    assert resp.status_code == 400 and resp.json()["status_code"] == 2031

    knob = api.post(
        api.base + "/_sandbox/faults", json={"wrong_passphrase_status": 500}
    )
    assert knob.json()["wrong_passphrase_status"] == 500
    resp = v1_sign(api, pdf("x"), passphrase="salah")
    assert resp.status_code == 500
    assert resp.json() == {"error": "Passphrase anda salah", "status_code": 2031}
    resp = v2_sign(api, [pdf("x")], nik=BUDI["nik"], passphrase="salah")
    assert resp.status_code == 500 and resp.json()["status_code"] == 2031
    log = api.get(api.base + "/_sandbox/log", params={"outcome": "rejected"}).json()
    assert len(log) == 4 and not any(e["signed"] for e in log)


def test_non_issue_users_are_refused(api):
    resp = v1_sign(api, pdf("x"), nik=UNKNOWN_NIK, passphrase="apa saja")
    assert resp.status_code == 400
    assert resp.json() == {
        "error": "Proses signing gagal : User tidak terdaftar 2011",
        "status_code": 400,
    }
    for status, info in STATUSES.items():
        if status == "ISSUE":
            continue
        user = user_with(status)
        r1 = v1_sign(api, pdf("x"), nik=user["nik"], passphrase="apa saja")
        assert r1.status_code == 400, status
        assert r1.json()["error"] == (
            f"Proses signing gagal : {info.sign_error} {info.v2_code}"
        )
        r2 = v2_sign(api, [pdf("x")], email=user["email"], passphrase="apa saja")
        assert r2.status_code == 400 and r2.json() == r1.json(), status
    signed = api.get(api.base + "/_sandbox/log", params={"signed": "True"}).json()
    assert signed == []


# ---------------------------------------------------------------------------
# fault knobs


def test_latency_knob_delays_responses(api):
    url = api.base + f"/api/user/status/{BUDI['nik']}"
    api.post(api.base + "/_sandbox/faults", json={"latency_ms": {"v1.status": 300}})
    started = time.monotonic()
    assert api.get(url, timeout=10).status_code == 200
    assert time.monotonic() - started >= 0.25

    # the server is threaded: parallel slow calls overlap instead of queueing
    api.post(api.base + "/_sandbox/faults", json={"latency_ms": 300})
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        codes = list(
            pool.map(
                lambda i: v2_sign(api, [pdf(f"Surat Izin Usaha {i}")]).status_code,
                range(20),
            )
        )
    elapsed = time.monotonic() - started
    assert codes == [200] * 20
    assert 0.25 <= elapsed < 20 * 0.3  # well below the serial time


def test_fail_next_returns_spring_500_then_recovers(api):
    api.post(api.base + "/_sandbox/faults", json={"fail_next": {"v2.sign": 2}})
    for _ in range(2):
        resp = v2_sign(api, [pdf("x")])
        assert resp.status_code == 500
        assert set(resp.json()) == {"timestamp", "status", "error", "path"}
    assert v2_sign(api, [pdf("x")]).status_code == 200
    outcomes = [e["outcome"] for e in api.get(api.base + "/_sandbox/log").json()]
    assert outcomes[-3:] == ["fault_500", "fault_500", "signed"]


def test_500_that_still_carries_the_file(api):
    api.post(
        api.base + "/_sandbox/faults",
        json={"fail_with_file_next": {"v2.sign": 1, "v1.sign": 1}},
    )
    original = pdf("Surat Izin Usaha")
    resp = v2_sign(api, [original])
    assert resp.status_code == 500
    body = resp.json()
    assert body["status"] == 500 and len(body["file"]) == 1
    assert base64.b64decode(body["file"][0]).startswith(original)

    resp = v1_sign(api, original)
    assert resp.status_code == 500
    assert resp.content.startswith(original) and resp.headers["id_dokumen"]


def test_dropped_connection_after_signing_is_logged_as_signed(api):
    original = pdf("Surat Izin Usaha yang hilang")
    digest = signing.sha256_hex(original)
    api.post(api.base + "/_sandbox/faults", json={"drop_next": {"v1.sign": 1}})
    with pytest.raises(requests.ConnectionError):
        v1_sign(api, original)

    [entry] = api.get(api.base + "/_sandbox/log", params={"sha256_in": digest}).json()
    assert entry["signed"] is True and entry["delivered"] is False
    assert entry["fault"] == "drop_next" and entry["http_status"] is None
    assert entry["nik"] == BUDI["nik"]
    # the sandbox remembers: the client can reconcile through id_dokumen
    fetched = api.get(api.base + f"/api/sign/download/{entry['id_dokumen']}")
    assert fetched.status_code == 200
    assert signing.sha256_hex(fetched.content) == entry["documents"][0]["sha256_out"]

    # a naive retry signs the same document a second time, and the log shows it
    assert v1_sign(api, original).status_code == 200
    again = api.get(api.base + "/_sandbox/log", params={"sha256_in": digest}).json()
    assert [e["signed"] for e in again] == [True, True]


def test_faults_api_validates_and_resets(api):
    url = api.base + "/_sandbox/faults"
    assert api.post(url, json={"fail_next": {"nope": 1}}).status_code == 400
    assert api.post(url, json={"wrong_passphrase_status": 418}).status_code == 400
    assert api.post(url, json={"bogus": 1}).status_code == 400
    state = api.post(url, json={"latency_ms": 5, "drop_next": {"*": 1}}).json()
    assert state["latency_ms"]["*"] == 5 and state["drop_next"] == {"*": 1}
    reset = api.delete(url).json()
    assert reset["latency_ms"] == {"*": 0} and reset["drop_next"] == {}


# ---------------------------------------------------------------------------
# TOTP, seal, chain, admin


def test_rfc6238_reference_vectors():
    key = b"12345678901234567890"
    for when, code in [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
    ]:
        assert totp_mod.totp(key, when, digits=8) == code


def test_sign_with_totp(api):
    sent = api.post(
        api.base + "/api/v2/sign/get/totp",
        json={"nik": BUDI["nik"], "data": 2},
        timeout=10,
    )
    assert sent.status_code == 200 and sent.json()["success"] is True
    mail = api.get(api.base + "/_sandbox/outbox").json()[-1]
    assert mail["to"] == BUDI["email"] and mail["data"] == 2
    docs = [pdf("A"), pdf("B")]
    ok = v2_sign(api, docs, nik=BUDI["nik"], totp=mail["totp"])
    assert ok.status_code == 200, ok.text
    replay = v2_sign(api, docs, nik=BUDI["nik"], totp=mail["totp"])
    assert replay.status_code == 400 and replay.json()["status_code"] == 2032

    # an authenticator app holding the seeded secret works too (single use)
    code = totp_mod.totp(SITI["totp_secret"])
    assert v2_sign(api, [pdf("C")], email=SITI["email"], totp=code).status_code == 200


def test_seal_flow_with_totp(api):
    base = api.base + "/api/v2/seal"
    first = api.post(base + "/get/activation", json={"idSubscriber": SEAL_ID}).json()
    assert first == {
        "success": True,
        "message": "TOTP Aktivasi berhasil dikirim",
        "data": None,
    }
    activation = api.get(api.base + "/_sandbox/outbox").json()[-1]["totp"]
    refresh = api.post(
        base + "/get/activation", json={"idSubscriber": SEAL_ID, "totp": activation}
    ).json()
    assert refresh["data"]["message"] == "TOTP Aktivasi masih berlaku"
    assert refresh["data"]["result"] is True

    otp = api.post(
        base + "/get/totp",
        json={"idSubscriber": SEAL_ID, "data": "1", "totp": activation},
    ).json()
    assert otp["message"] == "TOTP berhasil dibuat" and otp["result"] is True
    original = pdf("Surat Izin Usaha")
    sealed = api.post(
        base + "/pdf",
        json={
            "idSubscriber": SEAL_ID,
            "totp": otp["totp"],
            "signatureProperties": [{"tampilan": "INVISIBLE", "reason": "Segel"}],
            "file": [b64(original)],
        },
        timeout=30,
    )
    assert sealed.status_code == 200, sealed.text
    signed = base64.b64decode(sealed.json()["file"][0])
    verify = api.post(api.base + "/api/v2/verify/pdf", json={"file": b64(signed)})
    info = verify.json()["signatureInformations"][0]
    assert verify.json()["conclusion"] == "VALID"
    assert info["signerName"] == SEED["seal_subscribers"][0]["name"]

    reused = api.post(
        base + "/pdf",
        json={
            "idSubscriber": SEAL_ID,
            "totp": otp["totp"],
            "signatureProperties": [{"tampilan": "INVISIBLE"}],
            "file": [b64(original)],
        },
    )
    assert reused.status_code == 400

    revoked = api.post(
        base + "/revoke/activation", json={"idSubscriber": SEAL_ID, "totp": activation}
    )
    assert revoked.status_code == 200 and revoked.json()["success"] is True
    after = api.post(
        base + "/get/totp",
        json={"idSubscriber": SEAL_ID, "data": 1, "totp": activation},
    )
    assert after.status_code == 400


def test_certificate_chain_endpoint(api):
    ok = api.get(api.base + f"/api/v2/user/certificate/chain/{BUDI['nik']}").json()
    assert ok["success"] is True and len(ok["data"]) == 3
    assert ok["data"][0]["commonName"] == BUDI["name"]
    by_mail = api.get(api.base + f"/api/user/certificate/chain/{BUDI['email']}")
    assert by_mail.json()["data"][0]["commonName"] == BUDI["name"]
    bad = api.get(
        api.base
        + f"/api/v2/user/certificate/chain/{user_with('NO_CERTIFICATE')['nik']}"
    )
    assert bad.status_code == 400
    assert bad.headers["Content-Type"].startswith("application/json")
    with pytest.raises(ValueError):
        bad.json()  # the live quirk: JSON content type, non-JSON body


def test_admin_added_user_can_sign(api):
    new = {
        "nik": "1206011111111111",
        "email": "baru@bsre-sandbox.test",
        "name": "Pejabat Baru",
        "status": "ISSUE",
        "passphrase": "Baru#1",
    }
    added = api.post(api.base + "/_sandbox/users", json=new)
    assert added.status_code == 201
    assert "passphrase" not in added.json() and added.json()["has_passphrase"]
    signed = v1_sign(api, pdf("x"), nik=new["nik"], passphrase=new["passphrase"])
    assert signed.status_code == 200, signed.text
    verify = api.post(
        api.base + "/api/sign/verify", files={"signed_file": ("a.pdf", signed.content)}
    ).json()
    assert verify["details"][0]["info_signer"]["signer_name"] == "Pejabat Baru"


def test_status_knob_expires_and_reissues_a_certificate(api):
    """The knob the certificate watch tests use: the same account, another
    status on every surface, and signing refused until it is ISSUE again."""
    url = api.base + f"/_sandbox/users/{BUDI['nik']}/status"
    try:
        assert api.post(url, json={"status": "expired"}).json()["status"] == "EXPIRED"
        status = api.post(
            api.base + "/api/v2/user/check/status", json={"nik": BUDI["nik"]}
        ).json()
        assert (status["status"], status["status_code"]) == ("EXPIRED", "2041")
        v1 = api.get(api.base + f"/api/user/status/{BUDI['nik']}").json()
        assert v1["status"] == "EXPIRED"
        refused = v1_sign(api, pdf("x"))
        assert refused.status_code == 400 and "kadaluarsa" in refused.text
        by_mail = api.post(
            api.base + f"/_sandbox/users/{BUDI['email']}/status",
            json={"status": "REVOKE"},
        )
        assert by_mail.json()["status"] == "REVOKE"
        assert api.post(url, json={"status": "GONE"}).status_code == 400
        unknown = api.base + "/_sandbox/users/1206019999999999/status"
        assert api.post(unknown, json={"status": "ISSUE"}).status_code == 404
        api.post(url, json={"status": "ISSUE"})
        assert v1_sign(api, pdf("x")).status_code == 200  # passphrase kept
    finally:
        api.post(api.base + "/_sandbox/reset")


def test_passphrases_never_reach_the_logs(api, sandbox):
    v1_sign(api, pdf("x"))
    v1_sign(api, pdf("x"), passphrase="salah-sekali")
    v2_sign(api, [pdf("x")], email=SITI["email"], passphrase=SITI["passphrase"])
    call_log = api.get(api.base + "/_sandbox/log").text
    users = api.get(api.base + "/_sandbox/users").text
    for secret in (BUDI["passphrase"], SITI["passphrase"], "salah-sekali"):
        assert secret not in call_log
        assert secret not in users
        assert secret not in sandbox.log_text()


def test_password_protected_pdf_sign_and_verify(api):
    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(pdf("Surat Rahasia"))))
    writer.encrypt("pemilik", "buka-saja")
    buf = io.BytesIO()
    writer.write(buf)
    locked = buf.getvalue()

    refused = v2_sign(api, [locked])
    assert refused.status_code == 400
    assert "pdfPassword" in refused.json()["error"]
    ok = v2_sign(api, [locked], [{"tampilan": "INVISIBLE", "pdfPassword": "buka-saja"}])
    assert ok.status_code == 200, ok.text
    signed = ok.json()["file"][0]
    url = api.base + "/api/v2/verify/pdf"
    verdict = api.post(url, json={"file": signed, "password": "buka-saja"}).json()
    assert verdict["conclusion"] == "VALID"
    assert api.post(url, json={"file": signed}).status_code == 500


def test_spring_errors_and_odd_inputs(api):
    missing = api.get(api.base + "/api/v3/nothing")
    assert missing.status_code == 404 and missing.json()["error"] == "Not Found"
    wrong_method = api.get(api.base + "/api/sign/pdf")
    assert wrong_method.status_code == 405
    assert set(wrong_method.json()) == {"timestamp", "status", "error", "path"}

    verify = api.post(
        api.base + "/api/sign/verify", files={"signed_file": ("a.txt", b"hello")}
    )
    assert verify.status_code == 400
    assert verify.json()["error"].startswith("Proses verifikasi gagal : ")

    # a non-ASCII upload name must not break the response headers
    resp = api.post(
        api.base + "/api/sign/pdf",
        data={
            "nik": BUDI["nik"],
            "passphrase": BUDI["passphrase"],
            "tampilan": "invisible",
        },
        files={"file": ("Izin – Usaha ü.pdf", pdf("x"), "application/pdf")},
    )
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"].startswith("attachment; filename=")


def test_registration_and_sample_pdf(api):
    created = api.post(
        api.base + "/api/v2/user/registration",
        json={"nama": "Calon Pejabat", "email": "calon@bsre-sandbox.test"},
    )
    assert created.status_code == 200 and created.json()["success"] is True
    status = api.post(
        api.base + "/api/v2/user/check/status",
        json={"email": "calon@bsre-sandbox.test"},
    ).json()
    assert status["status"] == "WAITING_FOR_VERIFICATION"
    again = api.post(
        api.base + "/api/v2/user/register",
        json={"nama": "Calon Pejabat", "email": "calon@bsre-sandbox.test"},
    )
    assert again.status_code == 400

    sample = requests.get(api.base + "/_sandbox/sample.pdf?pages=2", timeout=10)
    assert sample.status_code == 200 and sample.content.startswith(b"%PDF")
    reader = PdfFileReader(io.BytesIO(sample.content))
    assert int(reader.root["/Pages"]["/Count"]) == 2
