"""/metrics under gunicorn with 2 workers (prometheus_client's multi-process mode): the requests spread over both
workers add up to their number in one scrape, also after a worker was killed and replaced (child_exit); and the
JSON request log of the real server holds no postcode and no e-mail address, each request written once."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from helpers import csrf_token, make_app
from prometheus_client import CollectorRegistry, generate_latest, multiprocess
from prometheus_client.parser import text_string_to_metric_families
from servers import free_port, port_was_taken, stopped_at_exit, wait_until

from geo_registry.web import settings as app_settings

pytestmark = pytest.mark.slow  # a gunicorn server with two worker processes

BATCH = 30
PING = "/api/v1/ping"


@contextmanager
def gunicorn(tmp_path: Path, settings: dict):
    """geo-registry serve (gunicorn, 2 workers) with these GEO_REGISTRY_* settings; yield (URL, process, log path)."""
    env = {
        **os.environ,
        **{f"GEO_REGISTRY_{key}": str(value) for key, value in settings.items()},
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
    }
    log = tmp_path / "gunicorn.log"
    binary = str(Path(sys.executable).with_name("geo-registry"))
    for attempt in range(3):  # another port if another test process took this one meanwhile
        port = free_port()
        command = [binary, "serve", "--workers", "2", "--host", "127.0.0.1", "--port", str(port)]
        with (
            log.open("w") as output,
            stopped_at_exit(subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)) as process,
        ):
            base = f"http://127.0.0.1:{port}"
            try:
                wait_until(lambda: requests.get(base + "/healthz", timeout=2).ok, "gunicorn", process=process)  # noqa: B023
            except AssertionError:
                if attempt < 2 and port_was_taken(process, log.read_text()):
                    continue
                raise AssertionError(log.read_text()) from None
            yield base, process, log
            return


def pings(samples_text: str) -> float:
    """The requests to /api/v1/ping counted in one scrape (all statuses)."""
    total = 0.0
    for family in text_string_to_metric_families(samples_text):
        for sample in family.samples:
            if sample.name == "geo_registry_http_requests_total" and sample.labels["route"] == PING:
                total += sample.value
    return total


def pings_per_process(tmp_path: Path) -> dict[str, float]:
    """pid -> pings counted by that process, read from its own file with prometheus_client's collector."""
    counted = {}
    for path in (tmp_path / "prometheus").glob("counter_*.db"):
        alone = Path(tempfile.mkdtemp(dir=tmp_path))
        shutil.copy(path, alone)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(alone))
        counted[path.stem.removeprefix("counter_")] = pings(generate_latest(registry).decode())
    return counted


def test_counts_add_up_over_two_workers_and_survive_a_killed_worker(tmp_path, address_csv):
    app = make_app(tmp_path / "db")
    runner = app.test_cli_runner()
    assert "4 toegevoegd" in runner.invoke(args=["load-examples"]).output
    assert "5 adressen" in runner.invoke(args=["import-addresses", str(address_csv)]).output
    settings = {
        "DATABASE_URL": app_settings.of(app).DATABASE_URL,
        "SECRET_KEY": "test",
        "PDOK_URL": "",
        "TILES": "none",
        "LOG_FORMAT": "json",
        "MAIL_OUTBOX": tmp_path / "outbox",
    }
    with gunicorn(tmp_path, settings) as (base, process, log):
        # Several clients at once, each request on a new connection, in batches until both workers have
        # answered some (which worker accepts a connection is the kernel's choice).
        sent = 0
        for _ in range(25):
            with ThreadPoolExecutor(8) as pool:
                statuses = list(pool.map(lambda _: requests.get(base + PING, timeout=30).status_code, range(BATCH)))
            assert statuses == [200] * BATCH
            sent += BATCH
            if len([count for count in pings_per_process(tmp_path).values() if count > 0]) == 2:
                break
        scraped = requests.get(base + "/metrics", timeout=30)
        assert scraped.status_code == 200
        assert pings(scraped.text) == sent
        # What the database holds is read once per scrape, not once per worker.
        active = [
            sample.value
            for family in text_string_to_metric_families(scraped.text)
            for sample in family.samples
            if sample.name == "geo_registry_groups" and sample.labels == {"status": "active"}
        ]
        assert active == [4]
        per_process = pings_per_process(tmp_path)
        assert len([count for count in per_process.values() if count > 0]) == 2, per_process
        assert sum(per_process.values()) == sent

        # A worker killed: gunicorn starts another; what the dead one counted still counts.
        os.kill(int(max(per_process, key=per_process.get)), signal.SIGKILL)
        for _ in range(10):
            assert requests.get(base + PING, timeout=30).status_code == 200
        assert pings(requests.get(base + "/metrics", timeout=30).text) == sent + 10

        # The request log of the real server: JSON lines, none with the postcode or the e-mail address.
        session = requests.Session()
        session.get(base + "/?postcode=1251KV&huisnummer=12", timeout=30)
        form = base + "/groep-aanmelden/"
        token = csrf_token(_Client(session, base), "/groep-aanmelden/")
        posted = session.post(
            form,
            data={
                "csrf_token": token,
                "naam": "Geheime Groep",
                "beheerder_naam": "Pien",
                "email": "pien.prive@voorbeeld.invalid",
                "buurten": "BU04170324",
                "actie": "aanmelden",
            },
            allow_redirects=False,
            timeout=30,
        )
        assert posted.status_code == 302, posted.text[:500]
    written = log.read_text()
    request_lines = [json.loads(line) for line in written.splitlines() if line.startswith("{")]
    assert len([line for line in request_lines if line.get("route") == PING]) == sent + 10
    assert len([line for line in written.splitlines() if PING in line]) == sent + 10  # each once, in one format
    assert ("/groep-aanmelden/", "POST", 302) in {(r["route"], r["method"], r.get("status")) for r in request_lines}
    for secret in ("1251", "pien", "voorbeeld.invalid", "Geheime"):
        assert secret not in written, secret


class _Client:
    """requests.Session in the shape helpers.csrf_token reads (get(url).get_data(as_text=True))."""

    def __init__(self, session: requests.Session, base: str):
        self.session, self.base = session, base

    def get(self, path: str):
        """GET path on the server."""
        response = self.session.get(self.base + path, timeout=30)
        response.get_data = lambda as_text=True: response.text  # type: ignore[attr-defined]
        return response


def test_serve_adds_up_its_workers_without_a_folder_configured(tmp_path):
    """An operator who sets no PROMETHEUS_MULTIPROC_DIR still gets one count of every worker: `serve` sets a
    folder before prometheus_client is imported (before, the workers counted in their own memory and a scrape
    showed the one worker that answered it)."""
    from gunicorn_process import serving

    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ
    with serving(tmp_path, "--workers", "2") as server:
        sent = 0
        for _ in range(10):  # batches of new connections; the kernel spreads them over both workers
            with ThreadPoolExecutor(8) as pool:
                statuses = list(
                    pool.map(lambda _: requests.get(server.base + PING, timeout=30).status_code, range(BATCH))
                )
            assert statuses == [200] * BATCH
            sent += BATCH
        assert len(server.workers()) == 2
        assert pings(requests.get(server.base + "/metrics", timeout=30).text) == sent
