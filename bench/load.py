"""Load test: lookups, joins and registrations at once against `geo-registry serve`, for 30 seconds each:
2 worker processes on PostgreSQL + PostGIS (a throwaway cluster), and, as the anchor, 1 process on SQLite.
Every join and registration queues e-mail; at the end each recipient must have exactly one message at a real
SMTP server (no mail lost, none doubled). Prints requests/s and p50/p99 per kind of request and the mail count.

    .venv/bin/python bench/load.py [--seconds 30] [--clients 12]
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the throwaway PostgreSQL cluster and the SMTP server of the tests

from fakes import FakeSMTP  # noqa: E402
from pgcluster import Cluster  # noqa: E402

COMMAND = [str(Path(sys.executable).with_name("geo-registry"))]
# Points in Laren (lat, lon): some inside the example groups, some not.
POINTS = [(52.2565, 5.2270), (52.2530, 5.2330), (52.2490, 5.2200), (52.2610, 5.2380), (52.2450, 5.2290)]
MIX = ["lookup"] * 8 + ["join", "registration"]  # mostly residents looking up, some forms sent


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(database_url: str, smtp_port: int) -> dict:
    """The server's settings: this database, the SMTP server, limits out of the way of a load test."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("GEO_REGISTRY_")}
    env.update(
        GEO_REGISTRY_DATABASE_URL=database_url,
        GEO_REGISTRY_SECRET_KEY="load-test",
        GEO_REGISTRY_PDOK_URL="",
        GEO_REGISTRY_TILES="none",
        GEO_REGISTRY_PUBLIC_URL="http://localhost",
        GEO_REGISTRY_MAIL_HOST="127.0.0.1",
        GEO_REGISTRY_MAIL_PORT=str(smtp_port),
        GEO_REGISTRY_MAIL_POLL_SECONDS="1",
        GEO_REGISTRY_JOIN_LIMIT="1000000",
        GEO_REGISTRY_JOIN_GROUP_LIMIT="1000000",  # joins go to 4 groups: their per-group limit is not measured here
        GEO_REGISTRY_REGISTER_LIMIT="1000000",
        GEO_REGISTRY_MEMBER_LIMIT="1000000",
    )
    return env


@contextmanager
def server(env: dict, workers: int, log: Path):
    """`geo-registry serve --workers N` and one `geo-registry worker` (which sends the mail) on env's database
    (examples loaded first); yield the server's URL."""
    subprocess.run([*COMMAND, "init-db"], env=env, check=True, capture_output=True)
    subprocess.run([*COMMAND, "load-examples"], env=env, check=True, capture_output=True)
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen(
            [*COMMAND, "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        mail_worker = subprocess.Popen([*COMMAND, "worker"], env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(base + "/api/v1/ping", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the server did not start: {log.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        for running in (process, mail_worker):
            running.terminate()
            running.wait(timeout=30)


class Load:
    """Clients that send a mix of requests until a deadline, keeping each request's kind, status and time."""

    def __init__(self, base: str, seconds: float):
        self.base = base
        self.deadline = time.monotonic() + seconds
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.emails: dict[str, set[str]] = {"join": set(), "registration": set()}
        self.lock = threading.Lock()
        self.serial = itertools.count(1)

    def client(self, seed: int) -> None:
        """One client: its own session (cookie and CSRF token), requests until the deadline."""
        rng = random.Random(seed)
        web = requests.Session()
        while time.monotonic() < self.deadline:
            kind = rng.choice(MIX)
            started = time.perf_counter()
            try:
                ok = getattr(self, kind)(web, rng)
            except requests.RequestException as error:
                ok = f"{type(error).__name__}"
            took = time.perf_counter() - started
            with self.lock:
                self.times[kind].append(took)
                if ok is not True:
                    self.errors.append(f"{kind}: {ok}")

    def lookup(self, web, rng) -> bool | str:
        """A resident's point lookup through the public API."""
        lat, lon = rng.choice(POINTS)
        response = web.get(
            f"{self.base}/api/v1/lookup?lat={lat + rng.uniform(-1e-3, 1e-3):.6f}"
            f"&lon={lon + rng.uniform(-1e-3, 1e-3):.6f}",
            timeout=30,
        )
        return True if response.status_code == 200 else str(response.status_code)

    def _post_form(self, web, page: str, data: dict, done: str) -> bool | str:
        form = web.get(self.base + page, timeout=30)
        match = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        if not match:
            return f"no form ({form.status_code})"
        response = web.post(self.base + page, data={"csrf_token": match.group(1), **data}, timeout=30)
        return True if response.status_code == 200 and done in response.url else str(response.status_code)

    def join(self, web, rng) -> bool | str:
        """A resident asks to join an example group (a mail to the resident and one to the beheerder)."""
        email = f"bewoner{next(self.serial)}@voorbeeld.invalid"
        result = self._post_form(
            web,
            f"/groep/{rng.randint(1, 4)}/aanmelden",
            {
                "naam": "Bea Bewoner",
                "mobiel": "06-12345678",
                "email": email,
                "straat": "Brink",
                "huisnummer": str(rng.randint(1, 99)),
            },
            "/verstuurd",
        )
        if result is True:
            with self.lock:
                self.emails["join"].add(email)
        return result

    def registration(self, web, rng) -> bool | str:
        """Someone registers a new group (a confirmation mail to them)."""
        n = next(self.serial)
        email = f"aanmelder{n}@voorbeeld.invalid"
        result = self._post_form(
            web,
            "/groep-aanmelden/",
            {
                "naam": f"Buurtapp {n}",
                "beheerder_naam": "Bram Beheerder",
                "email": email,
                "buurten": "BU04170324",
                "actie": "aanmelden",
            },
            "/groep-aanmelden/verstuurd",
        )
        if result is True:
            with self.lock:
                self.emails["registration"].add(email)
        return result

    def run(self, clients: int) -> None:
        """Run clients at once until the deadline."""
        threads = [threading.Thread(target=self.client, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def mail_check(smtp: FakeSMTP, load: Load, database_url: str) -> str:
    """Wait for the queue to empty; report messages expected, arrived, lost and doubled."""
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(sa.text("SELECT count(*) FROM mail_outbox")).scalar_one() == 0:
                break
        time.sleep(0.5)
    engine.dispose()
    arrived = defaultdict(int)
    for message in smtp._messages:
        arrived[message["To"].split("<")[-1].rstrip(">")] += 1
    wanted = load.emails["join"] | load.emails["registration"]
    lost = sum(1 for email in wanted if arrived[email] == 0)
    doubled = sum(1 for email in wanted if arrived[email] > 1)
    # Each join also mails the group's beheerder: those messages must number exactly the joins.
    to_beheerders = len(smtp._messages) - sum(arrived[email] for email in wanted)
    lost += max(0, len(load.emails["join"]) - to_beheerders)
    doubled += max(0, to_beheerders - len(load.emails["join"]))
    return (
        f"{len(wanted)} forms sent, {len(smtp._messages)} messages arrived "
        f"({to_beheerders} of them to beheerders), {lost} lost, {doubled} doubled"
    )


def percentile(values: list[float], share: float) -> float:
    """The value below which share of values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def report(name: str, load: Load, seconds: float, mail: str) -> None:
    """Print one configuration's figures."""
    total = sum(len(times) for times in load.times.values())
    print(
        f"\n{name}: {total / seconds:.0f} requests/s (a form counts once, its page and post together), "
        f"{len(load.errors)} errors; mail: {mail}"
    )
    for kind, times in sorted(load.times.items()):
        print(
            f"  {kind:<13} {len(times) / seconds:7.1f}/s  p50 {percentile(times, 0.5) * 1000:7.1f} ms"
            f"  p99 {percentile(times, 0.99) * 1000:7.1f} ms"
        )
    for error in sorted(set(load.errors))[:10]:
        print(f"  error: {error} ({load.errors.count(error)}x)")


def run(name: str, database_url: str, workers: int, seconds: float, clients: int, folder: Path) -> bool:
    """Load one configuration; print and return whether it had no errors and no lost or doubled mail."""
    with FakeSMTP() as smtp, server(environment(database_url, smtp.port), workers, folder / f"{name}.log") as base:
        load = Load(base, seconds)
        load.run(clients)
        mail = mail_check(smtp, load, database_url)
    report(name, load, seconds, mail)
    return not load.errors and " 0 lost, 0 doubled" in mail


def main() -> int:
    """Run both configurations and print their figures side by side."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=12)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="geo-registry-load-"))
    print(
        f"Load test: {args.clients} clients, {args.seconds:.0f} s per configuration, {os.cpu_count()} cores "
        "(the clients run on the same machine)"
    )
    good = run("SQLite, 1 process", f"sqlite:///{folder / 'load.sqlite3'}", 1, args.seconds, args.clients, folder)
    cluster = Cluster().start()
    try:
        url = cluster.url(cluster.new_database(migrated=True))
        good &= run("PostgreSQL, 2 processes", url, 2, args.seconds, args.clients, folder)
    finally:
        cluster.stop()
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
