"""Signing in through the municipality's identity provider in Chromium, against the real provider the tests start
(tests/oidc/provider.mjs): the button on the login page, the provider's own login page, and /beheer with the
roles of the claim; a claim without a mapped role refused; a role changed at the provider applied at the next
sign-in; the new pages by keyboard, at 320 px and without axe violations, in Dutch and English."""

from __future__ import annotations

import pytest
from helpers import make_app, served
from test_browser_accessibility import axe, check

from geo_registry.domain.roles import roles_of
from geo_registry.domain.staff import find_staff
from geo_registry.web import services as app_services

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def oidc_site(tmp_path, oidc_provider):
    """The app, signing staff in through the test provider, served on a free port; yields (base URL, app)."""
    app = make_app(tmp_path, **oidc_provider.settings())
    with served(app) as url:
        yield url, app


def roles(app, username: str) -> set[str]:
    with app.app_context():
        engine = app_services.current().store.engine
        return set(roles_of(engine, find_staff(engine, username)["id"]).roles)


def sign_in(browser, base_url: str, login: str, locale: str = "nl-NL"):
    """A fresh browser (no session at the app nor at the provider) signs in as login; return its page."""
    context = browser.new_context(base_url=base_url, locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto("/beheer/")  # a staff page sends its visitor to the login page first
    page.locator("#inloggen-gemeente").click()
    page.wait_for_url("**/interaction/**")  # the provider's own login page
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any password")
    with page.expect_navigation(url=f"{base_url}/beheer/**"):
        page.press("input[name=password]", "Enter")
    return page


def test_sign_in_at_the_provider_lands_on_beheer_with_the_claimed_roles(browser, oidc_site, oidc_provider):
    base_url, app = oidc_site
    oidc_provider.set_user("anna", ["gr-beleid", "gr-admin"], email="anna@laren.invalid")
    page = sign_in(browser, base_url, "anna")
    assert page.url == f"{base_url}/beheer/"
    assert page.get_by_role("button", name="Uitloggen (anna)").is_visible()
    assert roles(app, "anna") == {"beleidsmedewerker", "functioneel-beheerder"}
    page.context.close()


def test_a_claim_without_a_mapped_role_is_refused(browser, oidc_site, oidc_provider):
    base_url, app = oidc_site
    oidc_provider.set_user("bert", ["gr-kantine"])
    page = sign_in(browser, base_url, "bert")
    assert page.get_by_role("heading", name="Inloggen niet gelukt").is_visible()
    assert "geen rol" in page.locator("[role=alert]").inner_text()
    page.goto("/beheer/")
    assert "/beheer/inloggen" in page.url  # not signed in
    page.context.close()


def test_a_role_changed_at_the_provider_is_applied_at_the_next_sign_in(browser, oidc_site, oidc_provider):
    base_url, app = oidc_site
    oidc_provider.set_user("carla", ["gr-inzage"])
    page = sign_in(browser, base_url, "carla")
    assert roles(app, "carla") == {"inzage"}
    export = page.get_by_role("link", name="Beheerderslijst (CSV)")
    assert page.get_by_role("link", name="Dekking").is_visible() and export.count() == 0  # inzage exports nothing
    page.context.close()
    oidc_provider.set_user("carla", ["gr-beleid"])
    page = sign_in(browser, base_url, "carla")
    assert roles(app, "carla") == {"beleidsmedewerker"}
    assert page.get_by_role("link", name="Beheerderslijst (CSV)").is_visible()
    page.context.close()


@pytest.mark.parametrize(
    "locale, lang, button",
    [("nl-NL", "nl", "Inloggen met uw Laren-account"), ("en-GB", "en", "Sign in with your Laren account")],
)
def test_the_new_pages_by_keyboard_at_320_px_without_axe_violations(
    browser, oidc_site, oidc_provider, locale, lang, button
):
    base_url, _app = oidc_site
    oidc_provider.set_user("dirk", ["gr-kantine"])
    context = browser.new_context(base_url=base_url, locale=locale, viewport={"width": 320, "height": 640})
    page = context.new_page()
    check(page, f"{base_url}/beheer/inloggen?lang={lang}", "login page with the provider's button")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    for _ in range(40):  # tab to the button and press it with the keyboard alone
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "inloggen-gemeente":
            break
    assert page.evaluate("document.activeElement.textContent.trim()") == button
    page.keyboard.press("Enter")
    page.wait_for_url("**/interaction/**")
    page.fill("input[name=login]", "dirk")
    page.fill("input[name=password]", "any password")
    with page.expect_navigation(url=f"{base_url}/beheer/**"):
        page.press("input[name=password]", "Enter")
    serious = [v["id"] for v in axe(page) if v["impact"] in ("serious", "critical")]  # this page, not reloaded
    assert page.locator("[role=alert]").is_visible() and serious == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert page.evaluate("document.documentElement.lang") == lang
    context.close()
