"""An account limited to some of the served municipalities (issue 20) sees only theirs, in the three-municipality
configuration with the real CBS buurten of Laren, Blaricum and Eemnes: lists, counts, maps, coverage, exports and
the audit log; a group outside them is a 404 on every route that names it; a group across a border is both's."""

import csv
import io
import json
import re

import pytest
from helpers import csrf_token, login, make_app
from test_gemeenten import BEL, add_group, buurt_area

from geo_registry.domain import roles
from geo_registry.domain.roles import BELEIDSMEDEWERKER, FUNCTIONEEL_BEHEERDER, INZAGE
from geo_registry.domain.staff import create_staff

pytestmark = pytest.mark.both_databases

PASSWORD = "lang-genoeg-wachtwoord"
LAREN, BLARICUM, EEMNES = "Larense Omloop Let Op", "Blaricum-Dorp Alert", "Eemnes Noordbuurt Let Op"
BORDER = "Grensgroep Laren-Blaricum"


@pytest.fixture
def bel(tmp_path, db_url):
    """The BEL app with a group in each municipality and one across the Laren-Blaricum border; its group ids."""
    app = make_app(tmp_path, DATABASE_URL=db_url, GEMEENTEN=BEL)
    ids = {
        LAREN: add_group(app, LAREN, buurt_area(app, "BU04170324")),
        BLARICUM: add_group(app, BLARICUM, buurt_area(app, "BU03760102")),
        EEMNES: add_group(app, EEMNES, buurt_area(app, "BU03170217")),
        BORDER: add_group(app, BORDER, buurt_area(app, "BU04170322", "BU03760102")),
    }
    return app, ids


def signed_in(app, username, role_names, codes):
    """A client signed in as a new account with these roles and municipalities."""
    engine = app.extensions["geo_registry.engine"]
    create_staff(engine, username, PASSWORD, role_names, codes, served=BEL.split(","))
    client = app.test_client()
    assert login(client, username, PASSWORD).status_code == 302
    return client


def test_an_account_of_blaricum_sees_blaricums_groups_and_the_border_group_only(bel):
    app, ids = bel
    client = signed_in(app, "blaricum", [BELEIDSMEDEWERKER], ["GM0376"])
    index = client.get("/beheer/").get_data(as_text=True)
    assert BLARICUM in index and BORDER in index
    assert LAREN not in index and EEMNES not in index
    assert "Alle groepen (2)" in index
    for name in (BLARICUM, BORDER):
        assert client.get(f"/beheer/groep/{ids[name]}").status_code == 200
    for name in (LAREN, EEMNES):
        group_id = ids[name]
        for url in (f"/beheer/groep/{group_id}", f"/beheer/groep/{group_id}/bewerken"):
            assert client.get(url).status_code == 404, url
        token = csrf_token(client, "/beheer/")
        for action in ("status", "verwijderen", "herinnering", "beoordelen"):
            response = client.post(f"/beheer/groep/{group_id}/{action}", data={"csrf_token": token, "bevestig": "ja"})
            assert response.status_code == 404, action
    # Nothing happened to the groups outside: Laren's and Eemnes's are still active and on the public map.
    assert LAREN in app.test_client().get("/api/v1/groups.geojson").get_data(as_text=True)


def table(client, url: str) -> list[dict]:
    """The rows of a CSV download (Dutch: semicolons, with a byte-order mark)."""
    text = client.get(url).get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_exports_and_coverage_hold_only_the_accounts_municipalities(bel):
    app, ids = bel
    client = signed_in(app, "eemnes", [BELEIDSMEDEWERKER], ["GM0317"])
    beheerders = table(client, "/beheer/export/beheerders.csv")
    assert [row["groep"] for row in beheerders] == [EEMNES]
    areas = json.loads(client.get("/beheer/export/gebieden.geojson").get_data(as_text=True))
    assert [f["properties"]["name"] for f in areas["features"]] == [EEMNES]
    coverage = table(client, "/beheer/export/dekking.csv")
    assert coverage and {row["gemeente"] for row in coverage} == {"Eemnes"}
    uncovered = json.loads(client.get("/beheer/export/onbedekt.geojson").get_data(as_text=True))
    assert uncovered["features"] and {f["properties"]["code"][:6] for f in uncovered["features"]} == {"BU0317"}
    page = client.get("/beheer/dekking").get_data(as_text=True)
    # The coverage layer of the map colours Eemnes's buurten only (the buurten's outlines beneath are public).
    assert set(re.findall(r'"code": "(BU\d{4})\d+", "colour"', page)) == {"BU0317"}
    assert "Eembrugge" in page
    assert client.get("/beheer/dekking?gemeente=GM0417").status_code == 400  # not this account's


def test_an_account_of_every_municipality_sees_all_and_the_border_group_counts_once_in_each(bel):
    app, ids = bel
    everything = signed_in(app, "alles", [INZAGE], [])
    index = everything.get("/beheer/").get_data(as_text=True)
    assert all(name in index for name in ids) and "Alle groepen (4)" in index
    laren = signed_in(app, "laren", [INZAGE], ["GM0417"])
    index = laren.get("/beheer/").get_data(as_text=True)
    assert LAREN in index and BORDER in index and BLARICUM not in index and "Alle groepen (2)" in index


def test_the_audit_log_of_a_limited_account_holds_its_groups_only(bel):
    app, ids = bel
    admin = signed_in(app, "beheer", [BELEIDSMEDEWERKER, FUNCTIONEEL_BEHEERDER], [])
    for name in (LAREN, EEMNES):
        token = csrf_token(admin, f"/beheer/groep/{ids[name]}")
        admin.post(f"/beheer/groep/{ids[name]}/status", data={"csrf_token": token, "status": "inactive"})
    engine = app.extensions["geo_registry.engine"]
    staff_id = create_staff(engine, "collega", PASSWORD, [INZAGE])
    roles.set_roles(engine, staff_id, [INZAGE], ["GM0376"], "beheer")
    full = admin.get("/beheer/logboek").get_data(as_text=True)
    assert LAREN in full and EEMNES in full and "collega" in full
    eemnes = signed_in(app, "eemnes", [BELEIDSMEDEWERKER], ["GM0317"])
    log = eemnes.get("/beheer/logboek").get_data(as_text=True)
    assert EEMNES in log and LAREN not in log and "collega" not in log


def test_the_command_line_gives_roles_and_municipalities_and_lists_them(bel):
    app, _ids = bel
    runner = app.test_cli_runner()
    made = runner.invoke(
        args=["create-staff", "wijkagent", "--password", PASSWORD, "--role", "inzage", "--gemeente", "gm0376"]
    )
    assert made.exit_code == 0 and "aangemaakt (inzage; GM0376)" in made.output, made.output
    first = runner.invoke(args=["create-staff", "eerste", "--password", PASSWORD])
    assert "(beleidsmedewerker, functioneel-beheerder; alle gemeenten)" in first.output
    refused = runner.invoke(args=["create-staff", "x", "--password", PASSWORD, "--gemeente", "GM0402"])
    assert refused.exit_code == 1 and "Onbekende gemeente: GM0402" in refused.output
    changed = runner.invoke(args=["set-roles", "wijkagent", "--role", "inzage", "--role", "beleidsmedewerker"])
    assert changed.exit_code == 0 and "beleidsmedewerker, inzage; alle gemeenten" in changed.output
    listed = runner.invoke(args=["list-staff"]).output
    assert "wijkagent\tactief" in listed and "beleidsmedewerker, inzage; alle gemeenten" in listed
    last = runner.invoke(args=["set-roles", "eerste", "--role", "inzage"])
    assert last.exit_code == 1 and "laatste actieve account" in last.output


def test_unsent_mail_of_a_limited_account_is_only_that_to_its_groups_beheerders(bel):
    from geo_registry.mail.delivery import Message, queue

    app, _ids = bel
    engine = app.extensions["geo_registry.engine"]
    with engine.begin() as conn:
        queue(conn, Message("test", "bea@voorbeeld.invalid", "Aan de beheerder", "tekst"))
        queue(conn, Message("test", "bewoner@voorbeeld.invalid", "Aan een bewoner", "tekst"))
    limited = signed_in(app, "eemnes", [BELEIDSMEDEWERKER], ["GM0317"]).get("/beheer/e-mail").get_data(as_text=True)
    assert "bea@voorbeeld.invalid" in limited and "bewoner@voorbeeld.invalid" not in limited
    everything = signed_in(app, "alles", [BELEIDSMEDEWERKER], []).get("/beheer/e-mail").get_data(as_text=True)
    assert "bea@voorbeeld.invalid" in everything and "bewoner@voorbeeld.invalid" in everything


def test_retrying_unsent_mail_retries_only_the_messages_the_account_may_see(bel):
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa

    from geo_registry.mail.delivery import Message, queue
    from geo_registry.store.tables import mail_outbox

    app, _ids = bel
    engine = app.extensions["geo_registry.engine"]
    later, failed = datetime.now(UTC) + timedelta(hours=1), datetime.now(UTC)
    with engine.begin() as conn:
        queue(conn, Message("test", "bea@voorbeeld.invalid", "Aan de beheerder", "tekst"))
        queue(conn, Message("test", "bewoner@voorbeeld.invalid", "Aan een bewoner", "tekst"))
        conn.execute(mail_outbox.update().values(next_attempt_at=later, failed_at=failed))

    def waiting() -> dict:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(mail_outbox.c.recipient, mail_outbox.c.next_attempt_at))
            return {recipient: at is not None for recipient, at in rows}

    limited = signed_in(app, "eemnes", [BELEIDSMEDEWERKER], ["GM0317"])
    retried = limited.post("/beheer/e-mail", data={"csrf_token": csrf_token(limited, "/beheer/e-mail")})
    assert retried.status_code == 302
    assert waiting() == {"bea@voorbeeld.invalid": False, "bewoner@voorbeeld.invalid": True}  # only its own
    everything = signed_in(app, "alles", [BELEIDSMEDEWERKER], [])
    everything.post("/beheer/e-mail", data={"csrf_token": csrf_token(everything, "/beheer/e-mail")})
    assert waiting() == {"bea@voorbeeld.invalid": False, "bewoner@voorbeeld.invalid": False}


def test_a_functioneel_beheerder_of_one_municipality_manages_only_its_accounts(bel):
    app, _ids = bel
    engine = app.extensions["geo_registry.engine"]
    laren = create_staff(engine, "laren", PASSWORD, [INZAGE], ["GM0417"])
    everywhere = create_staff(engine, "overal", PASSWORD, [INZAGE])
    admin = signed_in(app, "fb-eemnes", [FUNCTIONEEL_BEHEERDER], ["GM0317"])
    colleague = create_staff(engine, "eemnes", PASSWORD, [INZAGE], ["GM0317"])
    listed = admin.get("/beheer/accounts").get_data(as_text=True)
    assert "fb-eemnes" in listed and ">eemnes<" in listed and ">laren<" not in listed and ">overal<" not in listed
    for staff_id in (laren, everywhere):
        assert admin.get(f"/beheer/accounts/{staff_id}").status_code == 404
        token = csrf_token(admin, "/beheer/accounts")
        refused = admin.post(f"/beheer/accounts/{staff_id}/rollen", data={"csrf_token": token, "rol": "inzage"})
        assert refused.status_code == 404
    # Its own colleague: none ticked means all of its own municipalities, never every one.
    token = csrf_token(admin, f"/beheer/accounts/{colleague}")
    admin.post(f"/beheer/accounts/{colleague}/rollen", data={"csrf_token": token, "rol": "beleidsmedewerker"})
    assert roles.roles_of(engine, colleague).gemeenten == {"GM0317"}
    token = csrf_token(admin, f"/beheer/accounts/{colleague}")
    admin.post(
        f"/beheer/accounts/{colleague}/rollen", data={"csrf_token": token, "rol": "inzage", "gemeente": "GM0417"}
    )
    assert roles.roles_of(engine, colleague).gemeenten == {"GM0317"}  # Laren is not its to give
