"""From a synced permit to a QR page anyone can check, in a real browser.

An officer requests the signature of a synced permit's document; the official
approves it and signs it in a batch through the BSrE sandbox; then a member of
the public opens the QR target, sees the permit as valid (on a desktop and on a
phone) without any of the applicant's personal data, and checks files with the
upload form: the signed file is accepted, a tampered copy of it is refused.

The two scenarios share one signed request (`SIGNED`): the public one needs
what the first produced, and signing twice would only slow the suite down.
A third scenario, last, signs with a one-time code instead of the passphrase.
"""

import hashlib
import json
import os
import re

import pytest
import requests

# A shared 2-core machine: Odoo's first page loads compile assets, signing
# calls BSrE and S3.  Generous, but every wait ends on a condition.
TIMEOUT = 60_000
DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}
SIGNED = {}


def new_page(browser, **options):
    context = browser.new_context(locale="id-ID", **options)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.set_default_navigation_timeout(TIMEOUT)
    return page


def login(page, url, who):
    page.goto(f"{url}/web/login")
    page.fill("input[name=login]", who["login"])
    page.fill("input[name=password]", who["password"])
    page.click("button[type=submit]")
    page.wait_for_selector(".o_main_navbar")


def logout(page, url):
    page.goto(f"{url}/web/session/logout")
    page.wait_for_selector("input[name=login]")


def open_menu(page, app, *items, expect=".o_list_view"):
    """Click through the navbar like a user: apps menu, then each menu entry.

    Waits on the view the action shows, not on "network idle": Odoo keeps a
    bus connection open, so the network is never idle.
    """
    page.click(".o_navbar_apps_menu button")
    page.click(f".o_app[data-menu-xmlid='{app}']")
    for xmlid in items:
        page.locator(f"[data-menu-xmlid='{xmlid}']:visible").first.click()
    page.wait_for_selector(f".o_action_manager {expect}")


def pick_many2one(page, field, text, choice):
    """Type into a many2one and click the suggestion showing `choice`."""
    page.fill(f".o_field_widget[name={field}] input", text)
    page.locator(".o-autocomplete--dropdown-item", has_text=choice).first.click()
    page.wait_for_selector(".o-autocomplete--dropdown-item", state="detached")


def record_id(page):
    match = re.search(r"/(\d+)(?:[?#]|$)", page.url)
    assert match, page.url
    return int(match.group(1))


def call_kw(page, url, model, method, args, kwargs=None):
    """JSON-RPC with the page's own session cookie (the user's rights apply)."""
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "params": {
            "model": model,
            "method": method,
            "args": args,
            "kwargs": kwargs or {},
        },
    }
    response = page.request.post(
        f"{url}/web/dataset/call_kw/{model}/{method}",
        data=json.dumps(payload),
        headers={"Content-Type": "application/json"},
    )
    assert response.ok, response.status
    body = response.json()
    assert "error" not in body, body.get("error")
    return body["result"]


def assert_no_error_dialog(page):
    assert page.locator(".o_error_dialog, .o_notification.border-danger").count() == 0


def test_officer_requests_and_official_batch_signs(
    browser, odoo_url, e2e_world, shots, bsre_without_faults
):
    page = new_page(browser, viewport=DESKTOP)
    try:
        sign_flow(page, odoo_url, e2e_world, shots)
    except Exception:
        shots(page, "failure")  # the state the assertion saw, for the report
        raise
    finally:
        page.context.close()


def sign_flow(page, odoo_url, e2e_world, shots):
    permit = e2e_world["permit"]
    petugas, pejabat = e2e_world["petugas"], e2e_world["pejabat"]

    # --- the officer finds the synced permit and asks for a signature ------
    login(page, odoo_url, petugas)
    open_menu(
        page, "sicantik_base.menu_sicantik_root", "sicantik_sync.menu_sicantik_permit"
    )
    page.fill(".o_searchview_input", permit["registration"])
    page.keyboard.press("Enter")
    row = page.locator(".o_data_row", has_text=permit["registration"])
    row.first.wait_for()
    shots(page, "petugas-permit-search")
    row.first.click()
    page.wait_for_selector(".o_form_view .o_field_widget[name=sk_number]")
    page.click(".o_notebook a[name=documents]")
    page.locator(".o_field_widget[name=document_ids] .o_data_row").first.wait_for()
    assert (
        page.locator(".o_form_view h1").first.inner_text().strip()
        == (permit["registration"])
    )
    shots(page, "petugas-permit-documents")

    open_menu(
        page,
        "sicantik_base.menu_sicantik_root",
        "sicantik_bsre.menu_sicantik_signatures",
        "sicantik_bsre.menu_sicantik_signature_requests",
    )
    page.click(".o_list_button_add")
    page.wait_for_selector(".o_form_view .o_field_widget[name=document_id] input")
    pick_many2one(page, "document_id", permit["registration"], permit["document_name"])
    pick_many2one(page, "official_id", pejabat["name"], pejabat["name"])
    page.click("button[name=action_submit]")
    page.wait_for_selector("button[name=action_submit]", state="hidden")
    request_id = record_id(page)
    name = page.locator(".o_field_widget[name=name]").first.inner_text().strip()
    assert name and name != "/"
    assert_no_error_dialog(page)
    shots(page, "petugas-request-submitted")
    logout(page, odoo_url)

    # --- the official approves from their queue, then batch-signs ----------
    login(page, odoo_url, pejabat)
    open_menu(
        page,
        "sicantik_base.menu_sicantik_root",
        "sicantik_bsre.menu_sicantik_signatures",
        "sicantik_bsre.menu_sicantik_my_queue",
    )
    row = page.locator(".o_data_row", has_text=name)
    row.first.wait_for()
    shots(page, "pejabat-queue")
    row.first.click()
    page.click("button[name=action_approve]")
    page.wait_for_selector("button[name=action_approve]", state="hidden")
    page.wait_for_selector(".o_form_view button[name=action_open_sign_wizard]")
    shots(page, "pejabat-approved")

    page.locator(".o_breadcrumb .breadcrumb-item a").last.click()
    row = page.locator(".o_data_row", has_text=name)
    row.first.wait_for()
    row.first.locator(".o_list_record_selector input").check()
    page.locator("button[name=action_open_sign_wizard]:visible").first.click()
    dialog = page.locator(".modal .o_form_view")
    status = dialog.locator(".o_field_widget[name=certificate_status]")
    status.wait_for()
    assert "ISSUE" in status.inner_text()
    dialog.locator(".o_field_widget[name=passphrase] input").fill(
        e2e_world["passphrase"]
    )
    shots(page, "pejabat-sign-dialog")
    page.click(".modal .o_sicantik_sign_button")
    result = dialog.locator(".o_field_widget[name=line_ids] .o_data_row")
    result.first.wait_for(timeout=120_000)
    assert result.count() == 1
    line = result.first.inner_text()
    assert name in line and "Ditandatangani" in line, line
    shots(page, "pejabat-signed")
    page.locator(".modal-footer button.btn-secondary").click()
    page.wait_for_selector(".modal", state="detached")

    # --- the signed request: its QR link, and the signed file --------------
    page.goto(
        f"{odoo_url}/odoo/action-sicantik_bsre.action_signature_requests/{request_id}"
    )
    link = page.locator(".o_field_widget[name=verification_url] a")
    link.wait_for()
    verify_url = link.get_attribute("href") or link.inner_text()
    token = verify_url.rstrip("/").rsplit("/verify/", 1)[1]
    sha = page.locator(".o_field_widget[name=signed_sha256]").inner_text().strip()
    assert_no_error_dialog(page)
    shots(page, "pejabat-signed-request")
    (values,) = call_kw(
        page,
        odoo_url,
        "sicantik.signature.request",
        "read",
        [[request_id], ["state", "signed_document_id"]],
    )
    assert values["state"] == "signed"
    document_id = values["signed_document_id"][0]
    download = page.request.get(f"{odoo_url}/sicantik/document/{document_id}/download")
    assert download.ok, download.status
    signed = download.body()
    assert signed.startswith(b"%PDF") and hashlib.sha256(signed).hexdigest() == sha
    SIGNED.update(token=token, pdf=signed, sha256=sha)


def tampered(data):
    """Same size, a few bytes flipped inside the first content stream: still a
    PDF a reader opens, but not the bytes the signature covers."""
    start = data.index(b"stream", data.index(b"obj")) + 20
    body = bytearray(data)
    for offset in range(start, start + 4):
        body[offset] ^= 0x01
    return bytes(body)


def check_public_page(page, permit):
    badge = page.locator(".status").first
    assert badge.inner_text().strip() == "Berlaku"
    assert "valid" in (badge.get_attribute("class") or "")
    text = page.locator("body").inner_text()
    assert permit["sk_number"] in text
    assert permit["holder_masked"] in text
    # The real signer, with their own position.
    assert permit["signer_name"] in text
    if permit.get("signer_position"):
        assert permit["signer_position"] in text
    html = page.content()
    person = permit["applicant"]
    for private in (person["name"], person["nik"], person["phone"], person["address"]):
        assert private not in text and private not in html, private


def upload(page, name, data):
    page.set_input_files(
        "input[name=file]",
        files=[{"name": name, "mimeType": "application/pdf", "buffer": data}],
    )
    with page.expect_navigation():
        page.click("form button[type=submit]")
    page.wait_for_load_state()
    return page.locator(".card", has_text="Hasil pemeriksaan berkas")


def test_public_qr_page_and_upload_check(browser, odoo_url, e2e_world, shots):
    if not SIGNED:
        pytest.skip("the signing scenario did not produce a signed document")
    permit = e2e_world["permit"]
    url = f"{odoo_url}/verify/{SIGNED['token']}"

    phone = new_page(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto(url)
    check_public_page(phone, permit)
    assert phone.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth"
    ), "the page scrolls sideways on a phone"
    shots(phone, "public-phone")
    phone.context.close()

    page = new_page(browser, viewport=DESKTOP)
    page.goto(url)
    check_public_page(page, permit)
    shots(page, "public-desktop")

    card = upload(page, "izin-ditandatangani.pdf", SIGNED["pdf"])
    result = card.inner_text()
    assert "Cocok" in result and "Tidak cocok" not in result, result
    assert "Tanda tangan valid" in result, result
    assert SIGNED["sha256"] in result
    check_public_page(page, permit)
    shots(page, "public-upload-signed")

    forged = tampered(SIGNED["pdf"])
    assert len(forged) == len(SIGNED["pdf"]) and forged != SIGNED["pdf"]
    card = upload(page, "izin-diubah.pdf", forged)
    result = card.inner_text()
    assert "Tidak cocok" in result, result
    assert "Tanda tangan tidak valid" in result, result
    shots(page, "public-upload-tampered")
    page.context.close()


def sandbox_outbox():
    """The codes the BSrE sandbox "e-mailed": what the official would read."""
    url = os.environ["SICANTIK_BSRE_URL"].rstrip("/") + "/_sandbox/outbox"
    auth = (os.environ["SICANTIK_BSRE_USER"], os.environ["SICANTIK_BSRE_PASSWORD"])
    response = requests.get(url, auth=auth, timeout=10)
    response.raise_for_status()
    return response.json()


def test_official_signs_with_a_one_time_code(
    browser, odoo_url, e2e_world, shots, bsre_without_faults
):
    """The OTP path of the same dialog: "Kirim OTP", the code BSrE sends (read
    from the sandbox's outbox, standing in for the official's e-mail), typed
    into the dialog, one sign call.  Runs last: it signs the same document
    again, after the public page was checked."""
    page = new_page(browser, viewport=DESKTOP)
    try:
        otp_flow(page, odoo_url, e2e_world, shots)
    except Exception:
        shots(page, "otp-failure")
        raise
    finally:
        page.context.close()


def otp_flow(page, odoo_url, world, shots):
    permit = world["permit"]
    # The request itself is the first scenario's subject: made by RPC here.
    login(page, odoo_url, world["petugas"])
    (official,) = call_kw(
        page,
        odoo_url,
        "res.users",
        "search",
        [[["login", "=", world["pejabat"]["login"]]]],
    )
    request_id = call_kw(
        page,
        odoo_url,
        "sicantik.signature.request",
        "create",
        [{"document_id": permit["document_id"], "official_id": official}],
    )
    call_kw(
        page, odoo_url, "sicantik.signature.request", "action_submit", [[request_id]]
    )
    logout(page, odoo_url)
    login(page, odoo_url, world["pejabat"])
    call_kw(
        page, odoo_url, "sicantik.signature.request", "action_approve", [[request_id]]
    )

    page.goto(
        f"{odoo_url}/odoo/action-sicantik_bsre.action_signature_requests/{request_id}"
    )
    page.locator(".o_form_view button[name=action_open_sign_wizard]").first.click()
    dialog = page.locator(".modal .o_form_view").last
    dialog.locator(".o_field_widget[name=certificate_status]").wait_for()
    before = len(sandbox_outbox())
    dialog.locator("input.o_radio_input[data-value=totp]").check()
    dialog.locator("button[name=action_send_otp]").click()
    message = page.locator(".modal .o_field_widget[name=otp_message]").last
    message.wait_for()
    assert "1 dokumen" in message.inner_text(), message.inner_text()
    mails = sandbox_outbox()
    assert len(mails) == before + 1 and mails[-1]["data"] == 1, mails
    dialog = page.locator(".modal .o_form_view").last
    assert "Kode sekali pakai (OTP)" in dialog.inner_text()
    dialog.locator(".o_field_widget[name=passphrase] input").fill(mails[-1]["totp"])
    shots(page, "pejabat-otp-dialog")
    page.locator(".modal .o_sicantik_sign_button").last.click()
    result = page.locator(
        ".modal .o_form_view .o_field_widget[name=line_ids] .o_data_row"
    )
    result.first.wait_for(timeout=120_000)
    assert "Ditandatangani" in result.first.inner_text()
    shots(page, "pejabat-otp-signed")
    (values,) = call_kw(
        page, odoo_url, "sicantik.signature.request", "read", [[request_id], ["state"]]
    )
    assert values["state"] == "signed"
