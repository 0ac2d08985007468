"""The site's public address in one place (web/urls.py): e-mail links, the poster's link, the API documents'
links and the OpenAPI server all start from it; and an app delivers its mail through one Mailer."""

from helpers import make_app

from geo_registry.core.config import LOCAL_URL

SITE = "https://buurtpreventie.example.nl"


def app_with_examples(tmp_path, **config):
    """An app with the example groups loaded."""
    app = make_app(tmp_path, **config)
    assert "4 toegevoegd" in app.test_cli_runner().invoke(args=["load-examples"]).output
    return app


def test_every_kind_of_link_starts_from_the_configured_address(tmp_path):
    app = app_with_examples(tmp_path, PUBLIC_URL=SITE + "/")  # a trailing slash is not doubled
    client = app.test_client()
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        from geo_registry.web.urls import external_url

        assert external_url("register.confirm", token="abc") == SITE + "/groep-aanmelden/bevestigen/abc"
    assert f"{SITE.removeprefix('https://')}/groep/1/aanmelden" in client.get("/groep/1/poster").get_data(as_text=True)
    landing = client.get("/api/v1", headers={"Host": "evil.example"}).get_json()
    assert landing["links"] and all(link["href"].startswith(SITE + "/api/") for link in landing["links"])
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["servers"] == [{"url": SITE + "/api/v1"}]


def test_without_an_address_commands_link_to_the_local_one_and_the_api_document_stays_relative(tmp_path):
    app = app_with_examples(tmp_path)
    with app.app_context():  # as a command from cron composes mail: no request, no server
        from geo_registry.web.urls import external_url

        assert external_url("join.form", group_id=3) == LOCAL_URL + "/groep/3/aanmelden"
    client = app.test_client()
    assert client.get("/api/v1/openapi.json").get_json()["servers"] == [{"url": "/api/v1"}]
    hrefs = [link["href"] for link in client.get("/api/v1").get_json()["links"]]
    assert hrefs and all(href.startswith(LOCAL_URL + "/api/") for href in hrefs)


def test_behind_a_trusted_proxy_api_links_follow_the_visitor_but_lasting_links_stay_on_the_site(tmp_path):
    app = app_with_examples(tmp_path, PUBLIC_URL=SITE, TRUST_PROXY=True)
    forwarded = {"X-Forwarded-Host": "buurt.laren.nl", "X-Forwarded-Proto": "https"}
    client = app.test_client()
    hrefs = [link["href"] for link in client.get("/api/v1", headers=forwarded).get_json()["links"]]
    assert hrefs and all(href.startswith("https://buurt.laren.nl/api/") for href in hrefs)
    # A poster hangs for years and an e-mail is read later: both keep the configured address.
    assert "buurt.laren.nl" not in client.get("/groep/1/poster", headers=forwarded).get_data(as_text=True)
    with app.test_request_context("/", headers=forwarded):
        from geo_registry.web.urls import external_url

        assert external_url("join.form", group_id=1).startswith(SITE + "/")


def test_the_app_delivers_through_one_mailer(tmp_path):
    from geo_registry.web import services as app_services
    from geo_registry.web.mailing import app_mailer

    app = make_app(tmp_path, MAIL_OUTBOX=str(tmp_path / "outbox"))
    with app.app_context():
        # The staff pages and commands (services) and the worker's jobs (app_mailer) share it.
        assert app_services.current().mailer is app_mailer(app)
    other = make_app(tmp_path / "other")
    with other.app_context():
        assert app_services.current().mailer is not app_mailer(app)  # per app, not per process
