"""Browser tests: the app served on 127.0.0.1 (werkzeug's threaded server, tests/helpers.served), driven in
Debian's headless Chromium."""

from __future__ import annotations

import os
import shutil

import pytest
from helpers import served
from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Return Debian's Chromium; `make test` installs it where it is missing."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail("Chromium not found: run 'make test' (it installs Debian's chromium) or set CHROMIUM")
    return path


class WatchedBrowser:
    """The browser, noting every Content-Security-Policy violation reported on the console of any of its pages."""

    def __init__(self, browser):
        self._browser, self.violations = browser, []

    def new_context(self, **options):
        """A new context whose pages' CSP violations are noted."""
        context = self._browser.new_context(**options)
        context.on("console", self._console)
        return context

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield WatchedBrowser(browser)
        browser.close()


@pytest.fixture(autouse=True)
def no_csp_violations(browser):
    """Fail a browser test whose pages broke the Content-Security-Policy: the app's own scripts must all run."""
    browser.violations.clear()
    yield
    assert browser.violations == []


@pytest.fixture
def live_server(mail_app):
    """The app with examples, addresses and the test SMTP server, served on a free port; yields its base URL."""
    with served(mail_app) as url:
        yield url


class Page:
    """A browser page that remembers every request it made."""

    def __init__(self, page, base_url):
        self.page, self.base_url, self.requests = page, base_url, []
        page.on("request", lambda request: self.requests.append(request.url))

    def foreign_requests(self) -> list[str]:
        """Return the requests that left the app's origin."""
        return [url for url in self.requests if not (url.startswith(self.base_url + "/") or url.startswith("data:"))]


@pytest.fixture
def page(browser, live_server):
    """A fresh phone-or-desktop page bound to the live server."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    wrapped = Page(context.new_page(), live_server)
    yield wrapped
    context.close()
