"""CSRF on every form and the rate limits: a forged or odd token is a clear 400, never a 500 or an action."""

import time

import pytest
from helpers import csrf_token, login, make_app
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from geo_registry.web import settings as app_settings

JOIN = "/groep/1/aanmelden"
RESIDENT = "bewoner@voorbeeld.invalid"
REFUSED = "Het formulier is verlopen"


@pytest.fixture
def web(mail_app):
    return mail_app.test_client()


def join_data(token: str | None) -> dict:
    """A join request that is valid in every field but (perhaps) its token."""
    data = {"naam": "Bea Bewoner", "mobiel": "06-12345678", "email": RESIDENT, "straat": "Brink", "huisnummer": "12"}
    if token is not None:
        data["csrf_token"] = token
    return data


def post_routes(app) -> list[str]:
    """Every URL that takes a POST, with its variable parts filled in."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            urls.append(
                rule.rule.replace("<int:group_id>", "1")
                .replace("<int:change_id>", "1")
                .replace("<int:staff_id>", "1")
                .replace("<token>", "x")
                .replace("<lang>", "en")
            )
    return urls


def test_non_ascii_token_is_a_clear_400_on_every_post_route(mail_app, staff_user):
    urls = post_routes(mail_app)
    assert {
        "/groep/1/aanmelden",
        "/groep-aanmelden/",
        "/beheer/inloggen",
        "/beheer/groep/1/bewerken",
        "/beheer/uitloggen",
        "/beheerder/x/wijzigen",
    } <= set(urls)
    client = mail_app.test_client()
    login(client, *staff_user)
    csrf_token(client, "/beheer/")  # now the session holds a token, which the sent one is compared with
    for url in urls:
        for token in ("é", "tökén-€", "\u2603" * 40):
            response = client.post(url, data={"csrf_token": token, **join_data(None)})
            assert response.status_code == 400, (url, token, response.status_code)
            assert REFUSED in response.get_data(as_text=True), url
    assert mail_app.smtp.messages == []


def test_refusal_is_in_the_visitors_language(web):
    csrf_token(web, JOIN)
    response = web.post(JOIN + "?lang=en", data=join_data("ü"))
    assert response.status_code == 400
    assert "The form has expired or did not come from this website." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "forge",
    [
        lambda good, other: None,  # no token at all
        lambda good, other: "x",  # any non-empty token
        lambda good, other: good[:-2] + ("AA" if not good.endswith("AA") else "BB"),  # a tampered one
        lambda good, other: other,  # a real token of another visitor's session
    ],
    ids=["missing", "any-non-empty", "tampered", "other-session"],
)
def test_join_form_refuses_a_forged_token_and_sends_nothing(mail_app, web, forge):
    good = csrf_token(web, JOIN)
    other = csrf_token(mail_app.test_client(), JOIN)
    response = web.post(JOIN, data=join_data(forge(good, other)))
    assert response.status_code == 400 and REFUSED in response.get_data(as_text=True)
    assert mail_app.smtp.messages == []
    assert web.post(JOIN, data=join_data(good)).status_code == 302  # the same request with its own token works
    assert len(mail_app.smtp.to(RESIDENT)) == 1


def aged_token(app, client, seconds: int) -> str:
    """This session's CSRF token as Flask-WTF would have issued it `seconds` ago."""

    class Earlier(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - seconds

    with client.session_transaction() as session:
        raw = session["csrf_token"]
    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token", signer=Earlier).dumps(raw)


def test_a_slow_resident_keeps_a_working_form_for_hours(mail_app, web):
    csrf_token(web, JOIN)
    response = web.post(JOIN, data=join_data(aged_token(mail_app, web, 3 * 3600)))
    assert response.status_code == 302  # three hours over the form: still sent
    response = web.post(JOIN, data=join_data(aged_token(mail_app, web, 9 * 3600)))
    assert response.status_code == 400 and REFUSED in response.get_data(as_text=True)


def test_rate_limit_storage_is_a_setting(tmp_path, monkeypatch):
    from geo_registry.web.security import limiter

    app = make_app(tmp_path)
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert type(limiter.storage).__name__ == "QuietMemoryStorage"  # memory, without a timer thread per hit
    monkeypatch.setenv("GEO_REGISTRY_RATELIMIT_STORAGE_URI", "nonsense://127.0.0.1:1")
    with pytest.raises(RuntimeError, match="GEO_REGISTRY_RATELIMIT_STORAGE_URI='nonsense://127.0.0.1:1'"):
        make_app(tmp_path)


@pytest.mark.slow
def test_login_limit_is_per_client_and_a_success_starts_it_again(mail_app, staff_user):
    client = mail_app.test_client()
    for _ in range(4):
        assert login(client, staff_user[0], "fout-wachtwoord").status_code == 401
    assert login(client, *staff_user).status_code == 302
    for _ in range(5):
        assert login(client, staff_user[0], "fout-wachtwoord").status_code == 401
    refused = login(client, *staff_user)
    assert refused.status_code == 429 and "te vaak" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    elsewhere = mail_app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert login(elsewhere, *staff_user).status_code == 302


def test_checking_an_area_is_never_refused_by_the_registration_limit(mail_app, web):
    app_settings.change(mail_app, REGISTER_LIMIT=1)
    data = {"naam": "Buurtapp", "beheerder_naam": "B", "email": "b@voorbeeld.invalid", "buurten": "BU04170324"}
    assert (
        web.post(
            "/groep-aanmelden/", data={"csrf_token": csrf_token(web, "/groep-aanmelden/"), "actie": "aanmelden", **data}
        ).status_code
        == 302
    )
    for _ in range(3):
        response = web.post(
            "/groep-aanmelden/",
            data={"csrf_token": csrf_token(web, "/groep-aanmelden/"), "actie": "controleren", **data},
        )
        assert response.status_code == 200
    response = web.post(
        "/groep-aanmelden/", data={"csrf_token": csrf_token(web, "/groep-aanmelden/"), "actie": "aanmelden", **data}
    )
    assert response.status_code == 429


def _mailbox_key(app, email: str | None) -> str:
    """The key the limit per e-mail address counts a posted form under."""
    from geo_registry.web.security import posted_mailbox

    with app.test_request_context(JOIN, method="POST", data={} if email is None else {"email": email}):
        return posted_mailbox()


def test_the_limit_per_address_counts_one_mailbox_however_it_is_typed(tmp_path):
    """Spaces, capitals and a +tag do not make another mailbox (so they cannot get round the daily limit); another
    name or another domain is another mailbox."""
    app = make_app(tmp_path)
    same = {
        _mailbox_key(app, typed)
        for typed in (
            "bo@voorbeeld.invalid",
            " Bo+buren@Voorbeeld.INVALID ",
            "b o+x+y@voorbeeld.invalid",
            "BO@voorbeeld.invalid",
        )
    }
    assert len(same) == 1
    others = [
        _mailbox_key(app, typed)
        for typed in ("bea@voorbeeld.invalid", "bo@ander.invalid", "bobo@voorbeeld.invalid", "o@voorbeeld.invalid")
    ]
    assert len(set(others) | same) == 5


def test_the_limit_per_group_counts_per_group_whoever_asks(tmp_path):
    """Joins of one group count together from any client; another group has its own count."""
    from geo_registry.web.security import path_group

    app = make_app(tmp_path)
    keys = {}
    for url, client in (
        ("/groep/1/aanmelden", "1.2.3.4"),
        ("/groep/1/aanmelden", "5.6.7.8"),
        ("/groep/2/aanmelden", "1.2.3.4"),
    ):
        with app.test_request_context(url, method="POST", environ_base={"REMOTE_ADDR": client}):
            keys.setdefault(url, set()).add(path_group())
    assert len(keys["/groep/1/aanmelden"]) == 1 and keys["/groep/1/aanmelden"] != keys["/groep/2/aanmelden"]


def test_the_limit_per_address_says_so_and_the_limit_per_client_says_wait(mail_app):
    """A refusal by the daily limit per e-mail address has its own message ("mailed often today": waiting a
    quarter of an hour would not help); a client's own limit says to wait a quarter of an hour."""
    from test_subscribe import subscribe

    app_settings.change(mail_app, JOIN_LIMIT=1)
    first, second = mail_app.test_client(), mail_app.test_client()
    first.environ_base["REMOTE_ADDR"], second.environ_base["REMOTE_ADDR"] = "2001:db8:1::1", "2001:db8:2::1"
    assert subscribe(first, email="vreemde@voorbeeld.invalid").status_code == 302
    per_address = subscribe(second, email="vreemde@voorbeeld.invalid")
    assert per_address.status_code == 429 and "vandaag al vaak gemaild" in per_address.get_data(as_text=True)
    per_client = subscribe(first, email="ander@voorbeeld.invalid")
    assert per_client.status_code == 429 and "Wacht een kwartier" in per_client.get_data(as_text=True)


def test_a_rate_limit_store_that_does_not_answer_is_no_500(tmp_path):
    """A shared limit store (redis) that is down does not take the forms down: each process counts in its own
    memory meanwhile, so the limit still holds and nobody gets a server error."""
    import socket

    with socket.socket() as probe:  # a port on which nothing listens: every connection is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = make_app(tmp_path, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}")
    assert (
        "aangemaakt"
        in app.test_cli_runner()
        .invoke(args=["create-staff", "medewerker", "--password", "lang-genoeg-wachtwoord"])
        .output
    )
    client = app.test_client()
    for _ in range(5):
        assert login(client, "medewerker", "fout-wachtwoord").status_code == 401
    assert login(client, "medewerker", "lang-genoeg-wachtwoord").status_code == 429


def test_an_empty_rate_limit_storage_setting_counts_in_memory(tmp_path, monkeypatch):
    """GEO_REGISTRY_RATELIMIT_STORAGE_URI left empty (as in a settings file with the line kept) means the
    default: each process counts in its own memory."""
    from geo_registry.web.security import limiter

    monkeypatch.setenv("GEO_REGISTRY_RATELIMIT_STORAGE_URI", "")
    app = make_app(tmp_path)
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert type(limiter.storage).__name__ == "QuietMemoryStorage"  # memory, without a timer thread per hit
