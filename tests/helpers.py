"""Helpers the tests share: paths, the app factory call, and points inside shapes."""

from __future__ import annotations

import threading
import time
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
    """Serve app with waitress as `geo-registry serve` does, on a free port of 127.0.0.1; yield its base URL."""
    from geo_registry.web.serving import make_server

    server = make_server(app, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Let the test's connections finish and close first: closing their sockets while a request is still
        # being answered makes the server's thread fail (EBADF), which pytest reports against a later test.
        deadline = time.monotonic() + 5
        while server.active_channels and time.monotonic() < deadline:
            time.sleep(0.01)
        server.close()
