"""What the office's supervisors look at, in a real browser and in Indonesian.

The officer's dashboard shows the tiles and, below them, the charts (permits
issued per month, signatures per week) drawn from the synced permits and the
signatures of the scenarios before this one (the file sorts after
``test_sign_and_verify``).  An administrator sets where the stamp goes for the
permit type of the synced permit and sees the server-rendered preview of that
permit's stored SK with the QR code below "KEPALA DINAS,".
"""

import pytest
from test_sign_and_verify import DESKTOP, call_kw, login, new_page, open_menu

ADMIN = {"login": "admin", "password": "admin"}


@pytest.fixture
def page(browser):
    page = new_page(browser, viewport=DESKTOP)
    yield page
    page.context.close()


def test_dashboard_tiles_and_charts(page, odoo_url, e2e_world, shots):
    login(page, odoo_url, e2e_world["petugas"])
    open_menu(
        page,
        "sicantik_base.menu_sicantik_root",
        "sicantik_officer.menu_sicantik_dashboard",
        "sicantik_officer.menu_sicantik_dashboard_overview",
        expect=".o_sicantik_dashboard .o_kanban_record",
    )
    issued = page.locator("[data-chart=permits_issued_month]")
    weekly = page.locator("[data-chart=signatures_week]")
    issued.locator("canvas").wait_for()
    weekly.locator(".o_graph_renderer").wait_for()
    assert "Izin Terbit per Bulan" in issued.inner_text()
    assert "Tanda Tangan per Minggu" in weekly.inner_text()
    assert page.locator(".o_sicantik_dashboard_tiles .o_kanban_record").count() >= 5
    shots(page, "dashboard-tiles-and-charts")
    # the issued permits of the sync are counted in the chart's data
    charts = call_kw(
        page, odoo_url, "sicantik.dashboard.kpi", "get_dashboard_charts", []
    )
    chart = next(c for c in charts if c["code"] == "permits_issued_month")
    total = call_kw(page, odoo_url, chart["model"], "search_count", [chart["domain"]])
    assert total > 0


def test_placement_preview_for_a_permit_type(page, odoo_url, e2e_world, shots):
    login(page, odoo_url, ADMIN)
    document = call_kw(
        page,
        odoo_url,
        "sicantik.document",
        "read",
        [[e2e_world["permit"]["document_id"]], ["permit_id"]],
    )[0]
    permit = call_kw(
        page,
        odoo_url,
        "sicantik.permit",
        "read",
        [[document["permit_id"][0]], ["permit_type_id"]],
    )[0]
    type_name = permit["permit_type_id"][1]
    open_menu(
        page,
        "sicantik_base.menu_sicantik_root",
        "sicantik_base.menu_sicantik_config",
        "sicantik_bsre.menu_sicantik_stamp_placements",
        expect=".o_list_view, .o_view_nocontent",
    )
    page.click(".o_list_button_add")
    page.fill(".o_field_widget[name=name] input", "Template SK Kabupaten Karo")
    page.fill(".o_field_widget[name=anchor] input", "KEPALA DINAS,")
    page.fill(".o_field_widget[name=width] input", "120")
    page.fill(".o_field_widget[name=height] input", "45")
    page.fill(".o_field_widget[name=anchor_dy] input", "3")
    tags = page.locator(".o_field_widget[name=permit_type_ids] input")
    tags.fill(type_name[:20])
    page.locator(".o-autocomplete--dropdown-item", has_text=type_name).first.click()
    # The preview is computed by the server when the type is chosen: wait
    # for the rendered page (a data URL), not the widget's placeholder.
    preview = page.locator(".o_field_widget[name=preview_image] img")
    page.wait_for_function(
        "() => { const i = document.querySelector("
        "'.o_field_widget[name=preview_image] img');"
        " return i && i.src.startsWith('data:image/png') && i.complete"
        " && i.naturalWidth > 0; }"
    )
    note = page.locator(".o_field_widget[name=preview_note]").inner_text()
    assert "1" in note, note
    size = preview.evaluate("i => [i.naturalWidth, i.naturalHeight]")
    assert size[0] == 600 and 1.3 < size[1] / size[0] < 1.5, size  # an A4 page
    preview.scroll_into_view_if_needed()
    shots(page, "placement-preview")
    page.click(".o_form_button_save")
    page.wait_for_function("() => /\\/\\d+$/.test(location.pathname)")
    saved = call_kw(
        page,
        odoo_url,
        "sicantik.stamp.placement",
        "search_read",
        [[("name", "=", "Template SK Kabupaten Karo")], ["permit_type_ids"]],
    )
    assert saved and permit["permit_type_id"][0] in saved[0]["permit_type_ids"]
