"""/metrics in one process, read with prometheus_client's own parser: who may read it, requests counted by URL rule
(never the path), lookups by source and outcome, the Locatieserver, mail, and the database's state at scrape
time on both databases. Several gunicorn workers: tests/test_metrics_gunicorn.py."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from helpers import make_app
from prometheus_client.parser import text_string_to_metric_families

from geo_registry.core.errors import StartupRefused
from geo_registry.mail.delivery import Mailer, MailSettings, Message, queue
from geo_registry.store.tables import mail_outbox, waiting_residents

OUTSIDER = {"REMOTE_ADDR": "203.0.113.5"}


def scrape(client, **kwargs) -> dict:
    """{(sample name, sorted labels): value} of one scrape, parsed as Prometheus parses it."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    """One sample's value (0 when the series does not exist yet)."""
    return samples.get((name, tuple(sorted((k, str(v)) for k, v in labels.items()))), 0.0)


def test_only_allowed_addresses_or_the_token_may_read_it(tmp_path):
    app = make_app(tmp_path, METRICS_TOKEN="s3cret-token", METRICS_ALLOW="127.0.0.1, ::1, 10.1.0.0/16")
    client = app.test_client()
    assert client.get("/metrics").status_code == 200  # the test client comes from 127.0.0.1
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.200.3"}).status_code == 200
    assert client.get("/metrics", environ_base=OUTSIDER).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.2.0.1"}).status_code == 404
    bearer = {"Authorization": "Bearer s3cret-token"}
    assert client.get("/metrics", environ_base=OUTSIDER, headers=bearer).status_code == 200
    wrong = {"Authorization": "Bearer s3cret-tokeN"}
    assert client.get("/metrics", environ_base=OUTSIDER, headers=wrong).status_code == 403
    assert client.get("/metrics", headers=wrong).status_code == 403  # a wrong token is wrong from anywhere
    response = client.get("/metrics")
    assert response.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in response.headers


def test_without_a_token_setting_no_token_opens_it_and_an_empty_allow_list_closes_it(tmp_path):
    client = make_app(tmp_path, METRICS_ALLOW="").test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer anything"}).status_code == 403


def test_behind_the_trusted_proxy_the_real_client_counts_not_the_proxy(tmp_path):
    client = make_app(tmp_path, TRUST_PROXY=True).test_client()
    # The proxy runs on 127.0.0.1; the client it forwards is outside.
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404
    assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200


def test_a_request_forwarded_by_an_untrusted_proxy_on_the_host_opens_nothing_by_address(tmp_path):
    # TRUST_PROXY off, nginx on the same host: every request comes from 127.0.0.1, the world's included.
    client = make_app(tmp_path, METRICS_TOKEN="s3cret-token").test_client()
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404
    forwarded = {"X-Forwarded-For": "203.0.113.9", "Authorization": "Bearer s3cret-token"}
    assert client.get("/metrics", headers=forwarded).status_code == 200  # the token still opens it


def test_a_mistyped_allow_list_stops_the_start(tmp_path):
    with pytest.raises(StartupRefused, match="METRICS_ALLOW: '10.0.0.0/33'"):
        make_app(tmp_path, METRICS_ALLOW="127.0.0.1,10.0.0.0/33")


def test_requests_are_counted_by_url_rule_and_status_never_by_path(lookup_app):
    client = lookup_app.test_client()
    before = scrape(client)
    for _ in range(3):
        client.get("/api/v1/lookup?postcode=1251KV&huisnummer=12")
    client.get("/api/v1/lookup?postcode=9999ZZ&huisnummer=1")
    client.get("/niet/bestaand/1251KV")
    client.get("/beheerder/een-persoonlijke-link")
    after = scrape(client)
    lookup = {"route": "/api/v1/lookup", "method": "GET"}
    count = "geo_registry_http_requests_total"
    assert value(after, count, **lookup, status=200) - value(before, count, **lookup, status=200) == 3
    assert value(after, count, **lookup, status=404) - value(before, count, **lookup, status=404) == 1
    seconds = "geo_registry_http_request_duration_seconds_count"
    assert value(after, seconds, route="/api/v1/lookup") - value(before, seconds, route="/api/v1/lookup") == 4
    labels = {v for _, pairs in after for _, v in pairs}
    assert not [v for v in labels if "1251" in v or "9999" in v or "bestaand" in v or "persoonlijke" in v]


def test_lookups_are_counted_by_source_and_outcome(lookup_app, places):
    client = lookup_app.test_client()
    before = scrape(client)
    asks = [
        "/api/v1/lookup?postcode=1251KV&huisnummer=12",  # the address table; in an example group
        "/api/v1/lookup?postcode=1251PT&huisnummer=3",  # the address table; no group there
        "/api/v1/lookup?postcode=1261AA&huisnummer=5",  # the address table; Blaricum, outside
        "/api/v1/lookup?q=Brink+12+Deventer",  # the Locatieserver; outside
        "/api/v1/lookup?postcode=9999ZZ&huisnummer=1",  # no source knows it
        "/api/v1/lookup?lat={}&lon={}".format(*places["centrum"]),
        "/api/v1/lookup?lat={}&lon={}".format(*places["postiljon"]),
    ]
    for path in asks:
        client.get(path)
    lookup_app.pdok.mode = "error"
    client.get("/api/v1/lookup?postcode=9999ZZ&huisnummer=2")  # not in the table, and the Locatieserver fails
    after = scrape(client)

    def grew(source, outcome):
        name = "geo_registry_lookups_total"
        return value(after, name, source=source, outcome=outcome) - value(before, name, source=source, outcome=outcome)

    assert grew("address_table", "group") == 1
    assert grew("address_table", "no_group") == 1
    assert grew("address_table", "outside") == 1
    assert grew("locatieserver", "outside") == 1
    assert grew("locatieserver", "not_found") == 1
    assert grew("locatieserver", "unavailable") == 1
    assert grew("point", "group") == 1
    assert grew("point", "no_group") == 1


def test_locatieserver_latency_and_failures(lookup_app):
    client = lookup_app.test_client()
    before = scrape(client)
    client.get("/api/v1/lookup?q=Brink+12+Deventer")
    lookup_app.pdok.mode = "error"
    client.get("/api/v1/lookup?q=Brink+12+Deventer")
    after = scrape(client)
    latency = "geo_registry_locatieserver_duration_seconds_count"
    failures = "geo_registry_locatieserver_failures_total"
    assert value(after, latency, endpoint="free") - value(before, latency, endpoint="free") == 2
    assert value(after, failures, endpoint="free") - value(before, failures, endpoint="free") == 1


def test_mail_queued_sent_and_failed_are_counted_where_they_happen(tmp_path, smtp):
    app = make_app(tmp_path)
    engine = app.extensions["geo_registry.engine"]
    client = app.test_client()
    before = scrape(client)
    with engine.begin() as conn:
        for number in range(3):
            queue(conn, Message("test", f"bewoner{number}@voorbeeld.invalid", "Onderwerp", "Tekst"))
    assert Mailer(engine, MailSettings(host="127.0.0.1", port=smtp.port)).deliver() == (3, 0)
    with engine.begin() as conn:
        queue(conn, Message("test", "bewoner@voorbeeld.invalid", "Onderwerp", "Tekst"))
    smtp.fail = True
    assert Mailer(engine, MailSettings(host="127.0.0.1", port=smtp.port)).deliver() == (0, 1)
    after = scrape(client)
    assert (
        value(after, "geo_registry_mail_queued_total", kind="test")
        - value(before, "geo_registry_mail_queued_total", kind="test")
        == 4
    )
    assert value(after, "geo_registry_mail_sent_total") - value(before, "geo_registry_mail_sent_total") == 3
    assert value(after, "geo_registry_mail_failed_total") - value(before, "geo_registry_mail_failed_total") == 1


@pytest.mark.both_databases
def test_the_database_state_is_read_at_scrape_time(examples_app, db_url):
    client = examples_app.test_client()
    engine = examples_app.extensions["geo_registry.engine"]
    first = scrape(client)
    assert value(first, "geo_registry_database_up") == 1
    assert value(first, "geo_registry_groups", status="active") == 4  # the example groups
    assert value(first, "geo_registry_groups", status="pending_review") == 0
    assert value(first, "geo_registry_mail_queue_messages") == 0
    assert value(first, "geo_registry_mail_queue_oldest_age_seconds") == 0
    assert value(first, "geo_registry_register_version") >= 4
    assert 0 <= value(first, "geo_registry_register_version_age_seconds") < 3600
    now = datetime.now(UTC).replace(microsecond=0)
    with engine.begin() as conn:
        message = queue(conn, Message("test", "bewoner@voorbeeld.invalid", "Onderwerp", "Tekst"))
        conn.execute(
            mail_outbox.update().where(mail_outbox.c.id == message).values(created_at=now - timedelta(seconds=600))
        )
        conn.execute(
            waiting_residents.insert(),
            [
                {"email": f"wacht{n}@voorbeeld.invalid", "lat": 52.25, "lon": 5.23, "lang": "nl", "created_at": now}
                for n in range(2)
            ],
        )
    second = scrape(client)
    assert value(second, "geo_registry_mail_queue_messages") == 1
    assert 600 <= value(second, "geo_registry_mail_queue_oldest_age_seconds") < 600 + 300
    assert value(second, "geo_registry_waiting_residents") == 2
    text = client.get("/metrics").get_data(as_text=True)
    assert [line for line in text.splitlines() if "voorbeeld.invalid" in line] == []  # no personal data


def test_a_database_that_does_not_answer_is_a_metric_not_an_error(tmp_path):
    app = make_app(tmp_path)
    assert value(scrape(app.test_client()), "geo_registry_database_up") == 1
    app.extensions["geo_registry.engine"].dispose()
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / f"test.sqlite3{suffix}").unlink(missing_ok=True)
    (tmp_path / "test.sqlite3").mkdir()  # where the file was: SQLite cannot open it
    samples = scrape(app.test_client())
    assert value(samples, "geo_registry_database_up") == 0
    assert ("geo_registry_http_requests_total", (("method", "GET"), ("route", "/metrics"), ("status", "200"))) in (
        samples
    )


def test_gunicorns_hooks_forget_a_dead_workers_live_gauges_and_a_previous_runs_counts(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from geo_registry.web.metrics import child_exit, on_starting

    folder = tmp_path / "prometheus"
    folder.mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()  # a process id that no process has now
    dead, alive = ended.pid, os.getpid()
    for name in (f"gauge_livesum_{dead}.db", f"gauge_liveall_{dead}.db", f"counter_{dead}.db"):
        (folder / name).write_bytes(b"")
    for name in (f"gauge_livesum_{alive}.db", f"counter_{alive}.db"):
        (folder / name).write_bytes(b"")
    child_exit(None, SimpleNamespace(pid=dead))
    # A dead worker's counters still count; its live gauges do not; another process's stay.
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [f"counter_{dead}.db", f"counter_{alive}.db", f"gauge_livesum_{alive}.db"]
    )
    # A new start of the server drops what ended processes counted, not what running ones count.
    on_starting(None)
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [f"counter_{alive}.db", f"gauge_livesum_{alive}.db"]
    )
