"""Staff sign-in through the municipality's identity provider (OpenID Connect), against a real provider the tests
start (tests/oidc/provider.mjs, the certified `oidc-provider` npm package): the account made at the first sign-in,
its roles taken from the claim at every sign-in, a claim without a mapped role refused with its sessions ended,
and the protocol's edges (state, PKCE, a provider that is down or stalls)."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from helpers import csrf_token, login, make_app
from oidc_provider import provider_round_trip, sign_in

from geo_registry.core.errors import StartupRefused
from geo_registry.domain import oidc as oidc_accounts
from geo_registry.domain.audit import audit_entries
from geo_registry.domain.roles import roles_of
from geo_registry.domain.staff import create_staff
from geo_registry.store.tables import staff
from geo_registry.web import services as app_services

pytestmark = pytest.mark.slow  # starts node with the provider once per test process


@pytest.fixture
def oidc_app(tmp_path, db_url, oidc_provider):
    """An app that signs staff in through the test provider."""
    return make_app(tmp_path, DATABASE_URL=db_url, **oidc_provider.settings())


def engine_of(app):
    with app.app_context():
        return app_services.current().store.engine


def account(app, username: str) -> dict:
    with engine_of(app).connect() as conn:
        row = conn.execute(sa.select(staff).where(staff.c.username == username)).mappings().one()
    return dict(row)


@pytest.mark.both_databases
def test_the_first_sign_in_makes_the_account_with_the_roles_the_claim_maps_to(oidc_app, oidc_provider):
    oidc_provider.set_user("anna", ["gr-beleid", "gr-iets-anders"], email="anna@laren.invalid", name="Anna")
    client = oidc_app.test_client()
    answer = sign_in(client, "anna", next_path="/beheer/dekking")
    assert answer.status_code == 302 and answer.headers["Location"] == "/beheer/dekking"
    overview = client.get("/beheer/").get_data(as_text=True)
    assert "Uitloggen (anna)" in overview and "Wachtwoord wijzigen" not in overview  # no password here to change
    made = account(oidc_app, "anna")
    assert (made["oidc_issuer"], made["oidc_subject"], made["password_hash"]) == (oidc_provider.issuer, "anna", "")
    assert roles_of(engine_of(oidc_app), made["id"]).roles == {"beleidsmedewerker"}
    actions = [entry["action"] for entry in audit_entries(engine_of(oidc_app))]
    assert oidc_accounts.CREATED in actions
    # The account has no password here: the login form cannot sign it in, whatever is typed.
    assert login(oidc_app.test_client(), "anna", "").status_code in (400, 401)
    assert login(oidc_app.test_client(), "anna", "any").status_code == 401


@pytest.mark.both_databases
def test_the_roles_follow_the_claim_at_every_sign_in(oidc_app, oidc_provider):
    oidc_provider.set_user("bram", ["gr-beleid"])
    assert sign_in(oidc_app.test_client(), "bram").status_code == 302
    oidc_provider.set_user("bram", ["gr-inzage", "gr-admin"])
    assert sign_in(oidc_app.test_client(), "bram").status_code == 302
    engine = engine_of(oidc_app)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(staff)).scalar_one() == 1  # the same account
    assert roles_of(engine, account(oidc_app, "bram")["id"]).roles == {"inzage", "functioneel-beheerder"}
    assert any(e["action"] == "rollen gewijzigd" and e["actor"] == "identiteitsprovider" for e in audit_entries(engine))


@pytest.mark.both_databases
def test_a_claim_without_a_mapped_role_is_refused_and_ends_the_sessions(oidc_app, oidc_provider):
    oidc_provider.set_user("cor", ["gr-beleid"])
    earlier = oidc_app.test_client()
    assert sign_in(earlier, "cor").status_code == 302 and earlier.get("/beheer/").status_code == 200
    oidc_provider.set_user("cor", ["gr-vertrokken"])
    refused = sign_in(oidc_app.test_client(), "cor")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 403 and "geen rol" in page and "Terug naar inloggen" in page
    assert earlier.get("/beheer/").status_code == 302  # the session signed in before has ended
    entries = audit_entries(engine_of(oidc_app))
    assert entries[0]["action"] == oidc_accounts.REFUSED and entries[0]["actor"] == "cor"


def test_a_first_sign_in_without_a_mapped_role_makes_no_account(oidc_app, oidc_provider):
    oidc_provider.set_user("dirk", [], email="dirk@laren.invalid")
    refused = sign_in(oidc_app.test_client(), "dirk")
    assert refused.status_code == 403
    with engine_of(oidc_app).connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(staff)).scalar_one() == 0
    assert audit_entries(engine_of(oidc_app))[0]["action"] == oidc_accounts.REFUSED


def test_the_refusal_is_in_english_for_an_english_reader(oidc_app, oidc_provider):
    oidc_provider.set_user("eva", ["gr-niets"])
    client = oidc_app.test_client()
    client.get("/taal/en")
    page = sign_in(client, "eva").get_data(as_text=True)
    assert '<html lang="en">' in page and "no role" in page and "geen rol" not in page


def test_a_local_account_of_the_same_name_is_never_taken_over(oidc_app, oidc_provider):
    create_staff(engine_of(oidc_app), "Fleur", "lang-genoeg-wachtwoord")
    oidc_provider.set_user("fleur", ["gr-beleid"])
    assert sign_in(oidc_app.test_client(), "fleur").status_code == 302
    assert account(oidc_app, "fleur-2")["oidc_subject"] == "fleur"
    assert account(oidc_app, "Fleur")["oidc_subject"] is None
    assert login(oidc_app.test_client(), "Fleur", "lang-genoeg-wachtwoord").status_code == 302


def test_a_changed_state_is_refused(oidc_app, oidc_provider):
    oidc_provider.set_user("gijs", ["gr-beleid"])
    client = oidc_app.test_client()
    start = client.get("/beheer/oidc/inloggen")
    callback = urlsplit(provider_round_trip(start.headers["Location"], "gijs"))
    forged = callback.query.replace("state=", "state=x")
    answer = client.get(f"{callback.path}?{forged}")
    assert answer.status_code == 400 and "niet gelukt" in answer.get_data(as_text=True)
    assert client.get("/beheer/").status_code == 302  # not signed in
    # Nor does a callback without any round trip sign anyone in.
    assert oidc_app.test_client().get("/beheer/oidc/terug?code=x&state=y").status_code == 400


def test_the_flow_uses_pkce_and_a_nonce(oidc_app, oidc_provider):
    client = oidc_app.test_client()
    start = client.get("/beheer/oidc/inloggen")
    asked = parse_qs(urlsplit(start.headers["Location"]).query)
    assert asked["code_challenge_method"] == ["S256"] and len(asked["code_challenge"][0]) >= 43
    assert asked["nonce"][0] and asked["state"][0] and asked["response_type"] == ["code"]
    assert asked["scope"] == ["openid profile email roles"]


def test_without_an_identity_provider_there_is_no_button_and_no_route(client):
    assert "inloggen-gemeente" not in client.get("/beheer/inloggen").get_data(as_text=True)
    assert client.get("/beheer/oidc/terug").status_code == 404


def test_the_login_page_offers_the_municipality_account_and_local_login_can_be_switched_off(tmp_path, oidc_provider):
    (tmp_path / "both").mkdir(), (tmp_path / "only").mkdir()
    both = make_app(tmp_path / "both", **oidc_provider.settings()).test_client()
    page = both.get("/beheer/inloggen?next=/beheer/dekking").get_data(as_text=True)
    assert "Inloggen met uw Laren-account" in page and 'id="wachtwoord"' in page
    assert 'href="/beheer/oidc/inloggen?next=/beheer/dekking"' in page  # where the staff member was going
    only = make_app(tmp_path / "only", LOCAL_LOGIN=False, **oidc_provider.settings()).test_client()
    page = only.get("/beheer/inloggen").get_data(as_text=True)
    assert "Inloggen met uw Laren-account" in page and 'id="wachtwoord"' not in page
    token = csrf_token(only, "/groep-aanmelden/")  # the login page has no form left to take it from
    answer = only.post("/beheer/inloggen", data={"csrf_token": token, "gebruikersnaam": "x", "wachtwoord": "y" * 12})
    assert answer.status_code == 404


@pytest.mark.parametrize(
    "overrides, reason",
    [
        ({"OIDC_CLIENT_ID": ""}, "OIDC_CLIENT_ID"),
        ({"OIDC_ROLE_MAP": "gr-beleid=baas"}, "onbekende rol baas"),
        ({"OIDC_ROLE_MAP": "gr-beleid"}, "waarde=rol"),
        ({"OIDC_ROLE_MAP": ""}, "geen rollen"),
    ],
)
def test_an_incomplete_configuration_stops_the_start(tmp_path, overrides, reason):
    settings = {"OIDC_ISSUER": "https://login.example.invalid/tenant/v2.0", "OIDC_CLIENT_ID": "app"}
    settings |= {"OIDC_CLIENT_SECRET": "s", "OIDC_ROLE_MAP": "gr-beleid=beleidsmedewerker", **overrides}
    with pytest.raises(StartupRefused, match=reason):
        make_app(tmp_path, **settings)


def closed_port() -> int:
    """A port of 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TricklingServer(ThreadingHTTPServer):
    """An HTTP server that answers every request one byte at a time, slower than any deadline: requests' own
    timeout (per read) never ends such a call."""

    daemon_threads = True

    def __init__(self):
        stop = self.stop = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                while not stop.wait(0.2):
                    try:
                        self.wfile.write(b" ")
                        self.wfile.flush()
                    except OSError:
                        return

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.mark.parametrize("provider", ["down", "trickling"])
def test_a_provider_that_is_down_or_stalls_gives_a_clear_page_within_the_timeout(tmp_path, oidc_provider, provider):
    server = TricklingServer() if provider == "trickling" else None
    if server is not None:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1] if server else closed_port()
    app = make_app(tmp_path, **oidc_provider.settings(OIDC_ISSUER=f"http://127.0.0.1:{port}", OIDC_TIMEOUT=1.0))
    try:
        for language, words in (("nl", "antwoordt nu niet"), ("en", "not answering")):
            client = app.test_client()
            client.get(f"/taal/{language}")
            started = time.monotonic()
            answer = client.get("/beheer/oidc/inloggen")
            # The limit is 1 s; 8 s is many times that on a busy machine, and far short of a stalled call (for ever).
            assert time.monotonic() - started < 8
            assert answer.status_code == 503 and words in answer.get_data(as_text=True)
    finally:
        if server is not None:
            server.stop.set()
            server.shutdown()
            server.server_close()


def test_a_discovery_document_of_another_issuer_is_refused(tmp_path, oidc_provider):
    """The provider answers at localhost, but its document names 127.0.0.1 as the issuer: not the one configured,
    so its keys and endpoints are not trusted (a mix-up of providers)."""
    elsewhere = oidc_provider.issuer.replace("127.0.0.1", "localhost")
    client = make_app(tmp_path, **oidc_provider.settings(OIDC_ISSUER=elsewhere)).test_client()
    answer = client.get("/beheer/oidc/inloggen")
    assert answer.status_code == 503 and "antwoordt nu niet" in answer.get_data(as_text=True)
