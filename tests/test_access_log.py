"""Who saw personal data (issue 20): every page or export that shows a beheerder's or resident's contact details
adds one entry to the append-only access log (who, when, what, from where); pages without them add none; the
functioneel beheerder reads, filters and exports the log; the worker removes entries past the retention."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from helpers import login
from sites import populated_app
from visible_text import visible_lines

from geo_registry.domain import access_log
from geo_registry.domain.access_log import Filters, entries, purge, record
from geo_registry.domain.roles import BELEIDSMEDEWERKER, FUNCTIONEEL_BEHEERDER, INZAGE
from geo_registry.domain.staff import create_staff
from geo_registry.worker.jobs import JOBS
from geo_registry.worker.runner import run_job

PASSWORD = "lang-genoeg-wachtwoord"


def visible_text(html: str) -> str:
    """The text a reader sees, on one line."""
    return " ".join(visible_lines(html))


def engine_of(app):
    return app.extensions["geo_registry.engine"]


def signed_in(app, username, role_names, **environ):
    """A client signed in as a new account with these roles."""
    create_staff(engine_of(app), username, PASSWORD, role_names)
    client = app.test_client(**environ)
    assert login(client, username, PASSWORD).status_code == 302
    return client


def rows(app) -> list[dict]:
    return entries(engine_of(app), limit=None).entries


def new_rows(app, action) -> list[dict]:
    """The entries that action adds (oldest first)."""
    before = {row["id"] for row in rows(app)}
    action()
    return sorted((row for row in rows(app) if row["id"] not in before), key=lambda row: row["id"])


@pytest.mark.both_databases
def test_opening_a_group_page_adds_exactly_one_entry_naming_that_group(mail_app):
    client = signed_in(mail_app, "beleid", [BELEIDSMEDEWERKER])
    start = datetime.now(UTC)
    added = new_rows(mail_app, lambda: client.get("/beheer/groep/2"))
    assert len(added) == 1
    entry = added[0]
    assert (entry["username"], entry["what"], entry["subject"], entry["address"]) == (
        "beleid",
        access_log.GROUP,
        "2",
        "127.0.0.1",
    )
    assert entry["staff_id"] is not None
    assert start - timedelta(seconds=1) <= entry["at"] <= datetime.now(UTC) + timedelta(seconds=1)


@pytest.mark.both_databases
def test_an_inzage_account_opening_a_group_is_logged_too(mail_app):
    client = signed_in(mail_app, "wijkagent", [INZAGE])
    added = new_rows(mail_app, lambda: client.get("/beheer/groep/3"))
    assert [(e["username"], e["what"], e["subject"]) for e in added] == [("wijkagent", access_log.GROUP, "3")]


@pytest.mark.both_databases
def test_pages_without_personal_data_add_none(mail_app):
    client = signed_in(mail_app, "beleid", [BELEIDSMEDEWERKER])
    for url in ("/beheer/dekking", "/beheer/export/gebieden.geojson", "/beheer/groep/1/verwijderen"):
        assert new_rows(mail_app, lambda url=url: client.get(url)) == [], url


@pytest.mark.both_databases
def test_every_page_and_export_with_contact_details_is_logged(mail_app):
    client = signed_in(mail_app, "beleid", [BELEIDSMEDEWERKER])
    expected = {
        "/beheer/": (access_log.GROUP_LIST, None),
        "/beheer/groep/1/bewerken": (access_log.GROUP_EDIT, "1"),
        "/beheer/export/beheerders.csv": (access_log.BEHEERDERS_CSV, None),
        "/beheer/e-mail": (access_log.OUTBOX, None),
    }
    for url, (what, subject) in expected.items():
        added = new_rows(mail_app, lambda url=url: client.get(url))
        assert [(e["what"], e["subject"]) for e in added] == [(what, subject)], url


def test_the_address_is_the_clients_as_the_trusted_proxy_reports_it(tmp_path, pdok, address_csv):
    app = populated_app(tmp_path, pdok, address_csv, TRUST_PROXY=True, PROXY_ADDRESSES="127.0.0.1")
    client = signed_in(app, "beleid", [BELEIDSMEDEWERKER])
    added = new_rows(app, lambda: client.get("/beheer/groep/1", headers={"X-Forwarded-For": "203.0.113.9"}))
    assert [e["address"] for e in added] == ["203.0.113.9"]
    # From anyone but the proxy the header is dropped: the address is the connection's own.
    added = new_rows(
        app,
        lambda: client.get(
            "/beheer/groep/1", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "198.51.100.4"}
        ),
    )
    assert [e["address"] for e in added] == ["198.51.100.4"]


@pytest.mark.both_databases
def test_entries_cannot_be_changed_and_recent_ones_cannot_be_deleted(mail_app):
    engine = engine_of(mail_app)
    now = datetime.now(UTC)
    record(engine, 1, "beleid", access_log.GROUP, 1, "127.0.0.1", now)
    record(engine, 1, "beleid", access_log.GROUP, 2, "127.0.0.1", now - timedelta(days=29))
    for statement in ("UPDATE access_log SET username = 'iemand anders'", "DELETE FROM access_log"):
        with engine.begin() as conn:
            with pytest.raises(sa.exc.DatabaseError, match="append-only"):
                conn.execute(sa.text(statement))
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            with pytest.raises(sa.exc.DatabaseError, match="append-only"):
                conn.execute(sa.text("TRUNCATE access_log"))
    assert len(rows(mail_app)) == 2


@pytest.mark.both_databases
def test_purge_removes_only_entries_past_the_retention(mail_app):
    engine = engine_of(mail_app)
    now = datetime.now(UTC)
    for days in (400, 366, 364, 31, 10, 0):
        record(engine, 1, "beleid", access_log.GROUP, days, "127.0.0.1", now - timedelta(days=days))
    assert purge(engine, now, 365) == 2
    assert sorted(int(e["subject"]) for e in rows(mail_app)) == [0, 10, 31, 364]
    # A retention shorter than the triggers' minimum is taken as that minimum (30 days), not refused.
    assert purge(engine, now, 7) == 2
    assert sorted(int(e["subject"]) for e in rows(mail_app)) == [0, 10]


@pytest.mark.both_databases
def test_the_worker_job_purges_with_the_setting(mail_app):
    assert "access-log-retention" in {job.name for job in JOBS}
    engine = engine_of(mail_app)
    now = datetime.now(UTC)
    record(engine, 1, "beleid", access_log.GROUP, 1, None, now - timedelta(days=400))
    record(engine, 1, "beleid", access_log.GROUP, 2, None, now - timedelta(days=100))
    done = run_job(mail_app, "access-log-retention")
    assert done.count == 1
    assert [e["subject"] for e in rows(mail_app)] == ["2"]


@pytest.fixture
def logged(mail_app):
    """An access log with entries of two accounts, on several days and groups, and a hostile username."""
    engine = engine_of(mail_app)
    now = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    for i in range(60):
        record(engine, 7, "beleid", access_log.GROUP, 1 + i % 3, "10.0.0.1", now - timedelta(days=60 - i))
    record(engine, 8, '=HYPERLINK("http://evil.example")', access_log.BEHEERDERS_CSV, None, "10.0.0.2", now)
    return now


@pytest.mark.both_databases
def test_the_functioneel_beheerder_reads_filters_and_pages_the_log(mail_app, logged):
    client = signed_in(mail_app, "admin", [FUNCTIONEEL_BEHEERDER])
    page = visible_text(client.get("/beheer/toegangslog").get_data(as_text=True))
    assert "62 regels gevonden" in page  # 60 + the export + this reading itself
    assert "Pagina 1 van 2" in page and "=HYPERLINK" in page
    second = visible_text(client.get("/beheer/toegangslog?pagina=2").get_data(as_text=True))
    assert "Pagina 2 van 2" in second
    by_group = visible_text(client.get("/beheer/toegangslog?groep=2").get_data(as_text=True))
    assert "20 regels gevonden" in by_group
    by_account = visible_text(client.get("/beheer/toegangslog?account=admin").get_data(as_text=True))
    assert "4 regels gevonden" in by_account  # the readings of the log so far, this one included
    day = (logged - timedelta(days=10)).date().isoformat()
    one_day = visible_text(client.get(f"/beheer/toegangslog?van={day}&tot={day}&account=beleid").get_data(True))
    assert "1 regel gevonden" in one_day
    english = visible_text(client.get("/beheer/toegangslog?lang=en").get_data(as_text=True))
    assert "entries found" in english and "Access log" in english


@pytest.mark.both_databases
def test_the_log_export_is_filtered_and_formula_safe(mail_app, logged):
    client = signed_in(mail_app, "admin", [FUNCTIONEEL_BEHEERDER])
    answer = client.get("/beheer/toegangslog.csv?account=%3DHYPERLINK%28%22http%3A%2F%2Fevil.example%22%29")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert table[0] == ["tijd", "account", "wat", "onderwerp", "adres"]
    assert [row[1:] for row in table[1:]] == [['\'=HYPERLINK("http://evil.example")', "beheerders-csv", "", "10.0.0.2"]]
    assert rows(mail_app)[0]["what"] == access_log.ACCESS_LOG_CSV  # the export is logged too


@pytest.mark.both_databases
def test_bad_filters_get_a_message_not_an_error(mail_app):
    client = signed_in(mail_app, "admin", [FUNCTIONEEL_BEHEERDER])
    for query in (
        "van=gisteren",
        "tot=2026-13-45",
        "groep=abc",
        "pagina=0",
        "pagina=99999999999",
        "account=%00",
        "account=" + "x" * 201,
    ):
        answer = client.get(f"/beheer/toegangslog?{query}")
        assert answer.status_code == 400, query
    answer = client.get("/beheer/toegangslog?van=gisteren&lang=en")
    assert answer.status_code == 400 and "2026-12-31" in visible_text(answer.get_data(as_text=True))


def test_only_the_functioneel_beheerder_may_read_the_log(mail_app):
    for role in (BELEIDSMEDEWERKER, INZAGE):
        client = signed_in(mail_app, role.replace("-", ""), [role])
        assert client.get("/beheer/toegangslog").status_code == 403
        assert client.get("/beheer/toegangslog.csv").status_code == 403


def test_filters_match_what_they_say(mail_app):
    engine = engine_of(mail_app)
    now = datetime.now(UTC)
    record(engine, 1, "a", access_log.GROUP, 12, None, now)
    record(engine, 1, "a", access_log.OUTBOX, None, None, now)
    record(engine, 2, "b", access_log.GROUP_EDIT, 12, None, now - timedelta(days=3))
    assert entries(engine, Filters(group_id=12)).total == 2
    assert entries(engine, Filters(group_id=1)).total == 0  # "12" is not group 1
    assert entries(engine, Filters(username="a")).total == 2
    assert entries(engine, Filters(since=now - timedelta(days=1))).total == 2
    assert entries(engine, Filters(until=now - timedelta(days=1))).total == 1
    assert re.fullmatch(r"\d+", entries(engine).entries[0]["subject"] or "0")


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("nl", ["toegangslog", "een jaar", "Alleen de functioneel beheerder"]),
        ("en", ["access log", "one year", "Only the municipality's application administrator"]),
    ],
)
def test_the_privacy_statement_says_access_is_logged_how_long_and_who_reads_it(app, lang, words):
    page = visible_text(app.test_client().get(f"/informatie/privacy?lang={lang}").get_data(as_text=True))
    assert all(word in page for word in words), [word for word in words if word not in page]
