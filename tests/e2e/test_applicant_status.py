"""A permit holder on a phone: the status page, then the signed permit.

On a 390×844 viewport, the holder of a synced application opens ``/status``,
is refused with a wrong code (the same message a wrong number gets), then
sees the timeline with the last four digits of the NIK and downloads the
signed PDF through the page's short-lived link.  The signed version is
stored through the documents addon's own signing code path (S3, encrypted);
signing itself is covered by ``test_sign_and_verify``.
"""

import hashlib
import json

import pytest

TIMEOUT = 60_000
PHONE = {"width": 390, "height": 844}

# Run in `odoo-bin shell`: a synced application (not the one the signing
# scenarios use) with an applicant who has a NIK, a status history and a
# stored original document gets a signed version; prints APPLICANT_WORLD.
SETUP = r"""
import io, json, hashlib
ARGS = json.loads(%(args)r)
docs = env["sicantik.document"].search([
    ("state", "=", "stored"), ("kind", "=", "original"),
    ("permit_id.name", "!=", ARGS["avoid"]),
    ("permit_id.applicant_id.id_number", "!=", False),
    ("permit_id.history_ids", "!=", False),
], order="id")
nik = lambda d: (d.permit_id.applicant_id.id_number or "").strip()
doc = docs.filtered(lambda d: len(nik(d)) >= 8)[:1]
permit, person = doc.permit_id, doc.permit_id.applicant_id
data = b"".join(doc._stream()) + b"\n%% e2e signed copy\n"
digest = hashlib.sha256(data).hexdigest()
signed = env["sicantik.document"]._create_version(
    permit, "signed", lambda: io.BytesIO(data), digest, len(data),
    "e2e-signed.pdf", "signing", fallback_bytes=data,
)
env.cr.commit()
print("APPLICANT_WORLD " + json.dumps({
    "registration": permit.name,
    "nik": person.id_number.strip(),
    "name": person.name,
    "phone": (person.phone or "").strip(),
    "address": (person.address or "").strip(),
    "tracking_code": permit.tracking_code,
    "steps": [h.status_id.name for h in permit.history_ids if h.status_id],
    "signed_state": signed.state,
    "sha256": digest,
}))
"""


@pytest.fixture(scope="module")
def holder(run_odoo_shell, e2e_world):
    args = {"avoid": e2e_world["permit"]["registration"]}
    world = run_odoo_shell(SETUP % {"args": json.dumps(args)}, "APPLICANT_WORLD")
    assert world["signed_state"] == "stored", world
    return world


def test_holder_checks_status_and_downloads_on_a_phone(
    browser, odoo_url, holder, shots
):
    context = browser.new_context(locale="id-ID", viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        page.goto(f"{odoo_url}/status")
        page.wait_for_selector("#status-form")
        shots(page, "status-form")
        # the page fits the phone: no horizontal scrolling
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width

        page.fill("#nomor", holder["registration"])
        page.fill("#kode", "0000" if not holder["nik"].endswith("0000") else "1111")
        page.click("#status-form button[type=submit]")
        page.wait_for_selector("#status-message")
        assert "Data tidak ditemukan" in page.inner_text("#status-message")
        assert page.locator("#status-timeline").count() == 0
        shots(page, "status-wrong-code")

        page.fill("#nomor", holder["registration"])
        page.fill("#kode", holder["nik"][-4:])
        page.click("#status-form button[type=submit]")
        page.wait_for_selector("#status-timeline")
        timeline = page.inner_text("#status-timeline")
        for step in holder["steps"]:
            assert step in timeline
        text = page.inner_text("body")
        for private in (
            holder["nik"],
            holder["name"],
            holder["phone"],
            holder["address"],
        ):
            if private:
                assert private not in text
        shots(page, "status-timeline")

        with page.expect_download() as info:
            page.click("#status-download")
        download = info.value
        data = open(download.path(), "rb").read()
        assert data.startswith(b"%PDF")
        assert hashlib.sha256(data).hexdigest() == holder["sha256"]
        shots(page, "status-downloaded")
    except Exception:
        shots(page, "failure")
        raise
    finally:
        context.close()
