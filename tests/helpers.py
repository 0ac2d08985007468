"""Helpers the tests share: paths, the app factory call, and points inside shapes."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path

from db_templates import fresh_sqlite

from geo_registry import create_app
from geo_registry.core.config import ROOT
from geo_registry.domain import staff as staff_module

DATA = Path(__file__).parent / "data"

# The app's own password hash method, read before the tests' session fixture makes it cheaper (tests/conftest.py).
REAL_PASSWORD_HASH_METHOD = staff_module.PASSWORD_HASH_METHOD


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


def login(client, username: str, password: str, next_url: str | None = None):
    """Log in as staff through the login form and, when the password is right, give the second factor on its page
    (enrolling the account first, through the domain, when it has none yet). Return the last answer: the
    redirect of the code step on success, the login page's answer otherwise."""
    token = csrf_token(client, "/beheer/inloggen")
    data = {"csrf_token": token, "gebruikersnaam": username, "wachtwoord": password}
    if next_url is not None:
        data["next"] = next_url
    answer = client.post("/beheer/inloggen", data=data)
    if answer.status_code != 302 or not answer.location.startswith(("/beheer/code", "/beheer/tweede-factor")):
        return answer
    code = totp_code(client.application, username)  # enrols the account first when it has no second factor
    token = csrf_token(client, "/beheer/code")  # a new session began at the password: a new token
    return client.post("/beheer/code", data={"csrf_token": token, "code": code})


def totp_secret(app, username: str, key: str | None = None) -> str:
    """The TOTP secret of a staff account, enrolling it first (as its holder would) when it has none; key is the
    secret key of the app that checks the codes (another process's, say), app's own by default."""
    from datetime import UTC, datetime

    import pyotp
    import sqlalchemy as sa

    from geo_registry.domain import second_factor
    from geo_registry.domain.staff import find_staff
    from geo_registry.store.tables import staff
    from geo_registry.web import services as app_services

    key = key or app.secret_key
    with app.app_context():
        engine = app_services.current().store.engine
        account = find_staff(engine, username)
        if second_factor.needs_enrolment(engine, account["id"]):
            secret = second_factor.enrolment_secret(engine, key, account["id"])
            now = datetime.now(UTC)
            second_factor.confirm_enrolment(engine, key, account["id"], pyotp.TOTP(secret).at(now), now)
        with engine.connect() as conn:
            sealed = conn.execute(sa.select(staff.c.totp_secret).where(staff.c.id == account["id"])).scalar_one()
        return second_factor._open(key, sealed)


def totp_code(app, username: str, key: str | None = None) -> str:
    """This step's TOTP code of the account, which counts. Tests log in more often than every 30 seconds, which a
    person does not: when this step's code was used already, the stored last step is set back (directly in the
    database) so that it counts once more."""
    import pyotp
    import sqlalchemy as sa

    from geo_registry.domain.second_factor import STEP_SECONDS
    from geo_registry.store.tables import staff
    from geo_registry.web import services as app_services

    secret = totp_secret(app, username, key)
    current = int(time.time()) // STEP_SECONDS
    with app.app_context():
        engine = app_services.current().store.engine
        named = sa.func.lower(staff.c.username) == username.strip().lower()
        with engine.begin() as conn:
            last = conn.execute(sa.select(staff.c.totp_last_step).where(named)).scalar_one()
            if last is not None and last >= current:
                conn.execute(staff.update().where(named).values(totp_last_step=current - 1))
    return pyotp.TOTP(secret).at(current * STEP_SECONDS)


def login_over_http(web, base: str, app, user: tuple[str, str], key: str) -> None:
    """Log in as staff at a served app (base URL, its secret key) with a requests session: the password, then the
    code (the account enrolled through app's database first when it has no second factor)."""
    import re

    def form_token(url: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', web.get(url, timeout=10).text).group(1)

    login_page = base + "/beheer/inloggen"
    data = {"csrf_token": form_token(login_page), "gebruikersnaam": user[0], "wachtwoord": user[1]}
    answer = web.post(login_page, data=data, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.status_code
    code = totp_code(app, user[0], key)
    web.post(
        base + "/beheer/code", data={"csrf_token": form_token(base + "/beheer/code"), "code": code}, timeout=10
    ).raise_for_status()


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


def migrate(engine, step, to: str) -> None:
    """Run an Alembic step (alembic.command.upgrade or downgrade) to revision to, in one transaction, as the
    app's own upgrade runs it: for tests of an upgrade path."""
    from geo_registry.store.db import alembic_config

    with engine.begin() as conn:
        step(alembic_config(conn), to)
