"""The role matrix (issue 20), built from the URL map: every /beheer route × every role (and an account without
any, and a visitor without a session) × GET and POST answers what geo_registry/web/staff/policy.py says, on SQLite
and PostgreSQL. A staff route without a rule fails here, and docs/staff-roles.md is the policy's own table."""

import re

import pytest
import sqlalchemy as sa
from helpers import csrf_token, login
from visible_text import visible_lines

from geo_registry.core.config import ROOT
from geo_registry.domain.roles import FUNCTIONEEL_BEHEERDER, INZAGE, ROLES
from geo_registry.domain.staff import create_staff
from geo_registry.store.tables import staff_roles
from geo_registry.web.staff import policy


def visible_text(html: str) -> str:
    """What a reader sees on the page, as one text."""
    return " ".join(visible_lines(html))


PASSWORD = "lang-genoeg-wachtwoord"
NO_ROLE = "geen-rol"
ANONYMOUS = "anonymous"
# The URL arguments: an example group, no change, an account nobody in the matrix signs in as, a forged link.
STATE = {"group_id": 1, "change_id": 999_999, "staff_id": None, "token": "geen-geldige-link"}


def staff_rules(app):
    """Every (endpoint, URL rule, method) under /beheer in the app's URL map."""
    return sorted(
        (rule.endpoint, rule, method)
        for rule in app.url_map.iter_rules()
        if policy.is_staff_path(rule.rule)
        for method in sorted(rule.methods & {"GET", "POST"})
    )


def test_every_staff_route_has_a_rule_and_every_rule_a_route(app):
    routes = {(endpoint, method) for endpoint, _rule, method in staff_rules(app)}
    declared = {
        (endpoint, method)
        for endpoint, rule in policy.POLICY.items()
        for method, who in (("GET", rule.get), ("POST", rule.post))
        if who != policy.NOBODY
    }
    assert routes - declared == set(), "staff routes without a rule in web/staff/policy.py"
    assert declared - routes == set(), "rules in web/staff/policy.py for routes that do not exist"


def test_a_route_added_without_a_rule_is_refused_to_every_role(app):
    app.add_url_rule("/beheer/vergeten", "vergeten", lambda: "geheim")
    assert ("vergeten", "GET") not in {(e, m) for e, _r, m in staff_rules(app) if e in policy.POLICY}
    client = signed_in(app, "alles", ROLES)
    response = client.get("/beheer/vergeten")
    assert response.status_code == 403 and "geheim" not in response.get_data(as_text=True)


def test_the_docs_table_is_the_policy():
    written = (ROOT / "docs" / "staff-roles.md").read_text(encoding="utf-8")
    assert written == policy.document() + "\n", (
        "docs/staff-roles.md is out of date: .venv/bin/python -m geo_registry.web.staff.policy > docs/staff-roles.md"
    )


def signed_in(app, username: str, role_names):
    """A client signed in as a new account with these roles (none: its role rows removed afterwards)."""
    engine = app.extensions["geo_registry.engine"]
    staff_id = create_staff(engine, username, PASSWORD, role_names or [INZAGE])
    if not role_names:
        with engine.begin() as conn:
            conn.execute(staff_roles.delete().where(staff_roles.c.staff_id == staff_id))
    client = app.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    return client


@pytest.mark.both_databases
def test_every_route_answers_every_role_as_the_policy_says(examples_app, capsys):
    app = examples_app
    STATE["staff_id"] = create_staff(app.extensions["geo_registry.engine"], "omstander", PASSWORD)
    clients = {ANONYMOUS: app.test_client()}
    clients |= {role: signed_in(app, role.replace("-", ""), [role]) for role in ROLES}
    clients[NO_ROLE] = signed_in(app, "zonderrol", [])
    tokens = {name: csrf_token(client, "/beheer/inloggen") for name, client in clients.items()}
    answers: dict[tuple[str, str], dict[str, int]] = {}
    # Logging out ends the session: last.
    for endpoint, rule, method in sorted(staff_rules(app), key=lambda r: r[0] == "staff.logout"):
        url = rule.build({k: v for k, v in STATE.items() if k in rule.arguments}, append_unknown=False)[1]
        who = policy.who_may(endpoint, method)
        for name, client in clients.items():
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": tokens[name]})
            answers.setdefault((f"{method} {rule.rule}", endpoint), {})[name] = response.status_code
            check(response, who, name, f"{method} {url}", ends_session=endpoint == "staff.logout")
    print_matrix(answers, capsys)


def check(response, who, name: str, request: str, ends_session: bool = False) -> None:
    """The answer is what the policy says for this account: through, the login page, or a 403 page in Dutch."""
    status = response.status_code
    assert status != 500, request
    if who == policy.ANYONE:
        assert status != 403, (name, request)
    elif name == ANONYMOUS:
        assert status == 302 and "/beheer/inloggen" in response.headers["Location"], (name, request, status)
    else:
        access = policy.Access(frozenset() if name == NO_ROLE else frozenset({name}))
        if policy.allows(who, access):
            assert status != 403, (name, request)
            to_login = status == 302 and "/beheer/inloggen" in response.headers["Location"]
            assert ends_session or not to_login, (name, request)
        else:
            assert status == 403, (name, request, status)
            assert "geen toegang" in visible_text(response.get_data(as_text=True)), request


def print_matrix(answers, capsys) -> None:
    """Show the status codes of the matrix in the test output (pytest -s, or -rP)."""
    names = [ANONYMOUS, *ROLES, NO_ROLE]
    lines = ["| route | endpoint | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
    for (route, endpoint), codes in answers.items():
        lines.append(f"| {route} | {endpoint} | " + " | ".join(str(codes[n]) for n in names) + " |")
    with capsys.disabled():
        print("\n" + "\n".join(lines))


def test_a_refusal_is_in_the_users_language_and_the_menu_shows_what_the_role_may(app):
    client = signed_in(app, "wijkagent", [INZAGE])
    page = client.get("/beheer/export/beheerders.csv?lang=en")
    assert page.status_code == 403
    text = visible_text(page.get_data(as_text=True))
    assert "no access" in text.lower() and "geen toegang" not in text
    menu = client.get("/beheer/").get_data(as_text=True)
    assert "/beheer/dekking" in menu and "/beheer/export/beheerders.csv" not in menu and "/beheer/logboek" not in menu
    admin = signed_in(app, "beheerder", [FUNCTIONEEL_BEHEERDER])
    assert re.search(r"/beheer/logboek", admin.get("/beheer/logboek").get_data(as_text=True))
    assert "/beheer/dekking" not in admin.get("/beheer/logboek").get_data(as_text=True)


def test_a_role_taken_away_counts_at_the_next_request(app):
    client = signed_in(app, "anna", ["beleidsmedewerker"])
    assert client.get("/beheer/export/beheerders.csv").status_code == 200
    engine = app.extensions["geo_registry.engine"]
    with engine.begin() as conn:
        conn.execute(staff_roles.update().where(staff_roles.c.role == "beleidsmedewerker").values(role=INZAGE))
        assert conn.execute(sa.select(sa.func.count()).select_from(staff_roles)).scalar() == 1
    assert client.get("/beheer/export/beheerders.csv").status_code == 403
