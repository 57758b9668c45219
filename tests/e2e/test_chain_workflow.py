"""The office's own signing workflow in a real browser (issue 15).

Three scenarios on synced permits of one permit type that the routing rules
send through a paraf chain Kasi → Kabid → Kepala Dinas (the official), in
Indonesian:

1. the officer requests from the permit form, the Kasi initials, the Kabid
   rejects with a reason, the officer resubmits, the chain runs again from the
   first step and the official signs;
2. a Plt. signs for the official and the public page says "Plt." with the
   deputy's name;
3. a sync runs, the automatic-request cron runs (the hook that triggers it
   after a sync lives in another branch; the cron is what it triggers), and
   the request is in the officer's list, marked as automatic.

The permit type is never the one the signing scenario of
``test_sign_and_verify`` uses, and the routes, chain, delegation and users made
here are removed at the end, so that scenario sees today's single approval.
"""

import json
import subprocess

import pytest
from conftest import PEJABAT_NIK, ROOT, SESSION_ENV, _odoo_command, odoo_shell, stack
from test_sign_and_verify import (
    DESKTOP,
    assert_no_error_dialog,
    login,
    new_page,
)

KASI = {"login": "e2e_kasi", "password": "e2e-Kasi-pw", "name": "Sari Kasi"}
KABID = {"login": "e2e_kabid", "password": "e2e-Kabid-pw", "name": "Joko Kabid"}
DEPUTY = {"login": "e2e_plt", "password": "e2e-Plt-pw", "name": "Dewi Lestari"}
REQUESTS = "/odoo/action-sicantik_bsre.action_signature_requests"
PERMITS = "/odoo/action-sicantik_sync.sicantik_permit_action"
# The Indonesian labels the scenarios read (i18n/id.po of sicantik_bsre).
REASON_DATA = "Data izin tidak benar"
AUTO_FILTER = "Diminta Otomatis"

# Inside `odoo-bin shell`: the chain, its users, the route, the Plt. and three
# signable permits of one type other than the signing scenario's.  Prints
# `E2E_CHAIN <json>`.
SETUP = r"""
import json
ARGS = json.loads(%(args)r)
world = ARGS["world"]
pejabat = env["res.users"].search([("login", "=", world["pejabat"]["login"])])
petugas = env["res.users"].search([("login", "=", world["petugas"]["login"])])
main_doc = env["sicantik.document"].browse(world["permit"]["document_id"])
official = pejabat.sicantik_official_id
users = {}
for key in ("kasi", "kabid", "deputy"):
    who = ARGS[key]
    group = "group_pejabat" if key == "deputy" else "group_petugas"
    users[key] = env["res.users"].with_context(no_reset_password=True).create({
        "login": who["login"], "name": who["name"], "password": who["password"],
        "email": who["login"] + "@e2e.example.test", "lang": "id_ID",
        "tz": "Asia/Jakarta",
        "groups_id": [(6, 0, [env.ref("sicantik_base." + group).id])],
    })
deputy_official = env["sicantik.official"].search(
    [("id", "!=", official.id), ("position", "!=", False)], limit=1
)
users["deputy"].write(
    {"bsre_nik": ARGS["nik"], "sicantik_official_id": deputy_official.id}
)
docs = env["sicantik.document"].search([
    ("state", "=", "stored"), ("kind", "=", "original"),
    ("permit_id.official_id", "=", official.id),
    ("permit_id.permit_type_id", "!=", main_doc.permit_id.permit_type_id.id),
    ("permit_id.decision", "=", "approved"),
    ("permit_id.sk_number", "!=", False),
    ("permit_id.is_revoked", "=", False),
], order="id")
Request = env["sicantik.signature.request"]
by_type = {}
for doc in docs:
    if Request.search_count([("document_id", "=", doc.id)]):
        continue
    kind = doc.permit_id.permit_type_id
    by_type.setdefault(kind, env["sicantik.document"])
    if doc.permit_id not in by_type[kind].permit_id:
        by_type[kind] |= doc
ptype, chosen = None, []
if by_type:
    ptype, chosen = max(by_type.items(), key=lambda kv: len(kv[1]))
out = {"permits": [], "type": None}
if ptype and len(chosen) >= 3:
    chain = env["sicantik.approval.chain"].create({
        "name": "E2E Kasi - Kabid - Kepala Dinas",
        "step_ids": [
            (0, 0, {"sequence": 1, "name": "Paraf Kasi",
                    "user_id": users["kasi"].id}),
            (0, 0, {"sequence": 2, "name": "Paraf Kabid",
                    "user_id": users["kabid"].id}),
        ],
    })
    route = env["sicantik.signature.route"].create({
        "permit_type_id": ptype.id, "chain_id": chain.id, "officer_id": petugas.id,
    })
    from odoo import fields
    today = fields.Date.context_today(pejabat)
    delegation = env["sicantik.delegation"].create({
        "kind": "plt", "principal_id": pejabat.id, "delegate_id": users["deputy"].id,
        "date_from": today, "date_to": today, "permit_type_ids": [(6, 0, ptype.ids)],
        "for_steps": False,
    })
    out = {
        "type": ptype.name, "route_id": route.id, "chain_id": chain.id,
        "delegation_id": delegation.id,
        "user_ids": [u.id for u in users.values()],
        "deputy_official_id": deputy_official.id,
        "deputy_position": deputy_official.position,
        "office": "Plt. " + (official.position or pejabat.name),
        "permits": [
            {"id": d.permit_id.id, "registration": d.permit_id.name,
             "document_id": d.id, "document_name": d.display_name}
            for d in chosen[:3]
        ],
        "auto_candidates": len(chosen) - 2,
    }
env.cr.commit()
print("E2E_CHAIN " + json.dumps(out, default=str))
"""

# Undo what SETUP made (the requests stay, their route and people go inactive).
TEARDOWN = r"""
import json
ARGS = json.loads(%(args)r)
env["sicantik.signature.route"].browse(ARGS["route_id"]).active = False
env["sicantik.delegation"].browse(ARGS["delegation_id"]).active = False
env["sicantik.approval.chain"].browse(ARGS["chain_id"]).active = False
users = env["res.users"].browse(ARGS["user_ids"])
users.write({"sicantik_official_id": False})
users.active = False
env.cr.commit()
"""

# The automatic-request cron, as the post-sync hook triggers it.
RUN_CRON = r"""
import json
count = env["sicantik.signature.request"]._cron_auto_request()
env.cr.commit()
print("E2E_AUTO " + json.dumps({"created": count}))
"""


@pytest.fixture(scope="module")
def chain_world(odoo_db, e2e_world):
    """Made before the first browser page of the module, removed after it."""
    args = {
        "world": e2e_world,
        "kasi": KASI,
        "kabid": KABID,
        "deputy": DEPUTY,
        "nik": PEJABAT_NIK,  # the sandbox's ISSUE signer signs as the Plt. too
    }
    made = odoo_shell(odoo_db, SETUP % {"args": json.dumps(args)}, "E2E_CHAIN")
    if len(made["permits"]) < 3:
        pytest.fail(f"no permit type with three signable synced permits: {made}")
    yield made
    odoo_shell(odoo_db, TEARDOWN % {"args": json.dumps(made)})


def open_request(page, url, request_id):
    page.goto(f"{url}{REQUESTS}/{request_id}")
    page.wait_for_selector(".o_form_view .o_field_widget[name=name]")


def click_and_wait(page, button, gone=True):
    page.locator(f".o_form_view button[name={button}]").first.click()
    if gone:
        page.wait_for_selector(f".o_form_view button[name={button}]", state="hidden")


def status(page):
    return (
        page.locator(".o_field_widget[name=state] .o_arrow_button_current")
        .first.inner_text()
        .strip()
    )


def field_text(page, name):
    return page.locator(f".o_field_widget[name={name}]").first.inner_text().strip()


def as_user(page, url, who, request_id):
    """Another person at the same browser: log out, forget the login page's
    list of known users (Odoo 18 shows it instead of the form), log in."""
    page.goto(f"{url}/web/session/logout")
    page.wait_for_load_state()
    page.evaluate("window.localStorage.clear()")
    page.context.clear_cookies()
    login(page, url, who)
    open_request(page, url, request_id)


def request_from_permit(page, url, world, permit):
    """The officer presses "Minta Tanda Tangan" on the permit; the request's id."""
    login(page, url, world["petugas"])
    page.goto(f"{url}{PERMITS}/{permit['id']}")
    page.locator(".o_form_view button[name=action_request_signature]").first.click()
    page.wait_for_selector(".o_form_view .o_field_widget[name=step_ids]")
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def sign_in_dialog(page, passphrase):
    page.locator(".o_form_view button[name=action_open_sign_wizard]").first.click()
    dialog = page.locator(".modal .o_form_view").last
    status = dialog.locator(".o_field_widget[name=certificate_status]")
    status.wait_for()
    assert "ISSUE" in status.inner_text()
    dialog.locator(".o_field_widget[name=passphrase] input").fill(passphrase)
    page.locator(".modal .o_sicantik_sign_button").last.click()
    result = dialog.locator(".o_field_widget[name=line_ids] .o_data_row")
    result.first.wait_for(timeout=120_000)
    assert "Ditandatangani" in result.first.inner_text(), result.first.inner_text()


def run_scenario(browser, shots, name, flow):
    page = new_page(browser, viewport=DESKTOP)
    try:
        flow(page)
    except Exception:
        shots(page, f"{name}-failure")
        raise
    finally:
        page.context.close()


def test_three_step_chain_with_rejection_and_resubmission(
    browser, odoo_url, e2e_world, chain_world, shots, bsre_without_faults
):
    permit = chain_world["permits"][0]

    def flow(page):
        # The officer requests from the permit form: no dropdown.
        request_id = request_from_permit(page, odoo_url, e2e_world, permit)
        assert field_text(page, "current_step_name") == "Paraf Kasi"
        assert status(page) == "Menunggu Persetujuan"
        assert_no_error_dialog(page)
        shots(page, "chain-petugas-requested")

        as_user(page, odoo_url, KASI, request_id)
        click_and_wait(page, "action_approve")
        assert field_text(page, "current_step_name") == "Paraf Kabid"
        shots(page, "chain-kasi-paraf")

        as_user(page, odoo_url, KABID, request_id)
        click_and_wait(page, "action_open_reject_wizard", gone=False)
        dialog = page.locator(".modal .o_form_view").last
        dialog.locator(".o_field_widget[name=reason_kind] select").select_option(
            label=REASON_DATA
        )
        dialog.locator(".o_field_widget[name=reason] textarea").fill(
            "Alamat usaha tidak sesuai dengan BAP"
        )
        shots(page, "chain-kabid-reject-dialog")
        page.locator(".modal button[name=action_confirm]").click()
        page.wait_for_selector(".modal", state="detached")
        page.wait_for_selector(".o_form_view button[name=action_submit]")
        assert status(page) == "Draf"
        shots(page, "chain-kabid-rejected")

        as_user(page, odoo_url, e2e_world["petugas"], request_id)
        chatter = page.locator(".o-mail-Chatter")
        chatter.get_by_text("Alamat usaha tidak sesuai dengan BAP").first.wait_for()
        shots(page, "chain-petugas-sees-reason")
        click_and_wait(page, "action_submit")
        assert field_text(page, "current_step_name") == "Paraf Kasi"
        shots(page, "chain-petugas-resubmitted")

        for who in (KASI, KABID):
            as_user(page, odoo_url, who, request_id)
            click_and_wait(page, "action_approve")
        as_user(page, odoo_url, e2e_world["pejabat"], request_id)
        click_and_wait(page, "action_approve")
        page.wait_for_selector(".o_form_view button[name=action_open_sign_wizard]")
        sign_in_dialog(page, e2e_world["passphrase"])
        page.locator(".modal-footer button.btn-secondary").click()
        page.wait_for_selector(".modal", state="detached")
        open_request(page, odoo_url, request_id)
        assert status(page) == "Ditandatangani"
        steps = page.locator(".o_field_widget[name=step_ids] .o_data_row")
        texts = [steps.nth(i).inner_text() for i in range(steps.count())]
        assert len(texts) == 6, texts  # round 1: 3 lines, round 2: 3 lines
        assert any("Ditolak" in t and "Paraf Kabid" in t for t in texts), texts
        shots(page, "chain-signed-steps")

    run_scenario(browser, shots, "chain", flow)


def test_plt_signs_and_public_page_says_plt(
    browser, odoo_url, e2e_world, chain_world, shots, bsre_without_faults
):
    permit = chain_world["permits"][1]

    def flow(page):
        request_id = request_from_permit(page, odoo_url, e2e_world, permit)
        for who in (KASI, KABID):
            as_user(page, odoo_url, who, request_id)
            click_and_wait(page, "action_approve")
        # The Plt. (no paraf rights, signing only) approves and signs.
        as_user(page, odoo_url, DEPUTY, request_id)
        shots(page, "plt-sees-request")
        click_and_wait(page, "action_approve")
        page.wait_for_selector(".o_form_view button[name=action_open_sign_wizard]")
        sign_in_dialog(page, e2e_world["passphrase"])
        shots(page, "plt-signed-dialog")
        page.locator(".modal-footer button.btn-secondary").click()
        page.wait_for_selector(".modal", state="detached")
        open_request(page, odoo_url, request_id)
        assert DEPUTY["name"] in field_text(page, "signed_by_id")
        assert "Plt." in field_text(page, "delegation_id")
        link = page.locator(".o_field_widget[name=verification_url] a")
        verify_url = link.get_attribute("href") or link.inner_text()
        shots(page, "plt-signed-request")

        token = verify_url.rstrip("/").rsplit("/verify/", 1)[1]
        page.goto(f"{odoo_url}/verify/{token}")
        text = page.locator("body").inner_text()
        assert DEPUTY["name"] in text, text
        assert chain_world["office"] in text, text
        shots(page, "plt-public-page")

    run_scenario(browser, shots, "plt", flow)


def test_request_created_automatically_after_a_sync(
    browser, odoo_url, odoo_db, e2e_world, chain_world, shots
):
    conf = stack.read_conf()
    sync = subprocess.run(
        _odoo_command(conf, "sicantik_sync", "run", "-d", odoo_db),
        env=stack.odoo_env(SESSION_ENV),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = json.loads(sync.stdout.strip().splitlines()[-1])
    assert summary.get("ok"), sync.stdout[-2000:]
    # Routing rule switched on for the type, then what the post-sync hook runs.
    odoo_shell(
        odoo_db,
        f"env['sicantik.signature.route'].browse({chain_world['route_id']})"
        ".auto_request = True\nenv.cr.commit()\n",
    )
    first = odoo_shell(odoo_db, RUN_CRON, "E2E_AUTO")
    assert first["created"] >= 1, first
    again = odoo_shell(odoo_db, RUN_CRON, "E2E_AUTO")
    assert again["created"] == 0, again  # idempotent
    permit = chain_world["permits"][2]

    def flow(page):
        login(page, odoo_url, e2e_world["petugas"])
        page.goto(f"{odoo_url}{REQUESTS}")
        page.wait_for_selector(".o_list_view")
        page.click(".o_searchview_dropdown_toggler")
        page.locator(".o_filter_menu .o_menu_item", has_text=AUTO_FILTER).click()
        page.keyboard.press("Escape")
        row = page.locator(".o_data_row", has_text=permit["registration"])
        row.first.wait_for()
        assert row.count() == 1
        assert "Paraf Kasi" in row.first.inner_text()
        shots(page, "auto-request-list")
        row.first.click()
        page.wait_for_selector(".o_form_view .o_field_widget[name=is_auto]")
        assert field_text(page, "current_step_name") == "Paraf Kasi"
        shots(page, "auto-request-form")

    run_scenario(browser, shots, "auto", flow)
