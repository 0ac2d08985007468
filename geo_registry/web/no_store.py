"""Pages with personal data are sent with Cache-Control: no-store, so that no browser cache, shared computer
or proxy keeps a beheerder's or staff member's details."""

from __future__ import annotations

from flask import request

# The staff area, the beheerder's personal links, the registration's confirmation pages, and a waiting resident's
# links (they show the resident's address).
PERSONAL_PREFIXES = (
    "/beheer/",
    "/beheerder/",
    "/groep-aanmelden/bevestigen/",
    "/groep-aanmelden/verstuurd",
    "/wachtlijst/",
)
PERSONAL_PATHS = {"/beheer", "/beheerder"}


def is_personal(method: str, path: str) -> bool:
    """True for a request whose answer may hold personal data: a personal page, or the answer to a form
    (which repeats what was typed in)."""
    if method not in ("GET", "HEAD", "OPTIONS"):
        return True
    return path in PERSONAL_PATHS or path.startswith(PERSONAL_PREFIXES)


def no_store_personal(response):
    """Forbid storing the answer when the request was for personal data."""
    if is_personal(request.method, request.path):
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    """Send every personal page with no-store."""
    app.after_request(no_store_personal)
