"""An administrator reaches the SICANTIK app from the login page, in Indonesian."""


def test_admin_login_and_sicantik_menu(browser, odoo_url, shots):
    page = browser.new_page(viewport={"width": 1366, "height": 800})
    page.goto(f"{odoo_url}/web/login")
    page.wait_for_selector("input[name=login]")
    shots(page, "login-page")
    page.fill("input[name=login]", "admin")
    page.fill("input[name=password]", "admin")
    page.click("button[type=submit]")
    page.wait_for_selector(".o_home_menu, .o_main_navbar", timeout=30000)
    shots(page, "home")
    page.goto(f"{odoo_url}/odoo/action-sicantik_base.action_sicantik_settings")
    page.wait_for_selector(
        "div[name=sicantik_base], .app_settings_block", timeout=30000
    )
    shots(page, "sicantik-settings")
    assert page.locator("text=SICANTIK").first.is_visible()
    page.close()
