"""Information pages for residents, from the Markdown files in CONTENT_DIR."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, render_template

from geo_registry.web import settings
from geo_registry.web.content import find_page, pages
from geo_registry.web.i18n import current_language

bp = Blueprint("info", __name__, url_prefix="/informatie")
robots_bp = Blueprint("robots", __name__)


def _folder() -> Path:
    return settings.current().CONTENT_DIR


@bp.app_context_processor
def info_pages():
    """The information pages, for the menu and the footer of every page."""
    return {"info_pages": lambda: pages(_folder(), current_language())}


@bp.get("/")
def index():
    """All information pages."""
    return render_template("info/index.html", pages=pages(_folder(), current_language()))


@bp.get("/<slug>")
def page(slug: str):
    """One information page."""
    found = find_page(_folder(), current_language(), slug)
    if found is None:
        abort(404)
    return render_template("info/page.html", page=found)


# Public pages are for search engines; staff pages, the API's internals, personal links (confirmations, the
# beheerder's own page, the waiting list) and the map's tiles and answers are not. /api/docs describes the open data.
ROBOTS = """User-agent: *
Allow: /
Allow: /api/docs
Disallow: /beheer/
Disallow: /api/
Disallow: /beheerder/
Disallow: /groep-aanmelden/bevestigen/
Disallow: /wachtlijst/
Disallow: /antwoord
Disallow: /kaart/tegels/
Disallow: /taal/
"""


@robots_bp.get("/robots.txt")
def robots():
    """The rules for search engines, as the plain text file they read."""
    return Response(ROBOTS, mimetype="text/plain")
