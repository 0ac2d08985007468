"""Helpers the tests share: paths, the app factory call, and points inside shapes."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

from db_templates import fresh_sqlite

from geo_registry import create_app
from geo_registry.core.config import ROOT

DATA = Path(__file__).parent / "data"


# The official CBS boundaries, kept in the repository (data/cbs/README.md says where they come from).
CBS = ROOT / "data" / "cbs"
WIJKEN_FILE = ROOT / "data" / "wijken.geojson"
PRIVATE_EMAILS = [f"beheerder{i}@voorbeeld.invalid" for i in range(1, 5)]


def make_app(tmp_path, migrated: bool = True, **overrides):
    """Create an app on a database in tmp_path, without address service or basemap. A new SQLite file starts as
    a copy of the session's migrated template (tests/db_templates.py); migrated=False lets the app migrate it."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "PDOK_URL": "",
        "TILES": "none",
    }
    config.update(overrides)
    if migrated:
        fresh_sqlite(config["DATABASE_URL"])
    return create_app(config)


def inside(buurten_list, name):
    """Return (lat, lon) of a point well inside the named buurt."""
    point = next(w for w in buurten_list if w.name == name).geometry.representative_point()
    return point.y, point.x


def inside_shape(geom):
    """Return (lat, lon) of a point inside geom."""
    point = geom.representative_point()
    return point.y, point.x


def csrf_token(client, url: str) -> str:
    """Open url and return the CSRF token of its form."""
    import re

    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client, username: str, password: str):
    """Log in as staff through the login form."""
    token = csrf_token(client, "/beheer/inloggen")
    return client.post(
        "/beheer/inloggen", data={"csrf_token": token, "gebruikersnaam": username, "wachtwoord": password}
    )


def register_pending(app, name="Nieuwe groep", codes=("BU04170324",)):
    """Put a registration in the review queue directly through the domain functions."""
    from geo_registry.domain import actions
    from geo_registry.domain.areas import area_from_buurten
    from geo_registry.domain.groups import Group
    from geo_registry.mail.delivery import Message
    from geo_registry.web import services as app_services

    with app.app_context():
        store = app_services.current().store
        area = area_from_buurten(list(codes), app_services.current().buurten)
        group_id, _ = actions.register(
            store,
            Group(None, name, area, "Nina Nieuw", "nina@voorbeeld.invalid"),
            lambda gid: Message("test", "nina@voorbeeld.invalid", "s", "b"),
        )
        actions.confirm_email(store, group_id)
    return group_id


@contextmanager
def served(app):
    """Serve app in this process on a free port of 127.0.0.1 (werkzeug's threaded server); yield its base URL.
    For tests that need an HTTP server in front of an app they configured; what the production server itself
    promises (gunicorn: proxy headers, stopping, reloading) is tested on `geo-registry serve` (tests/gunicorn.py)."""
    from werkzeug.serving import make_server

    from geo_registry.web import settings as app_settings

    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.port}"
    if not app_settings.of(app).PUBLIC_URL:  # as `geo-registry serve` does: links in e-mail lead here
        app_settings.change(app, PUBLIC_URL=base)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
