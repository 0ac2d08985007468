"""Benchmark row of issue 11: joins and registrations per second, 8 clients against `geo-registry serve` on SQLite
(outbox mail), against the anchor measured in the same run: the same SQL statements, in the same transactions,
straight on sqlite3 by 8 threads against a copy of the same database.

Each client is a requests.Session that opens the form (for its CSRF token) and posts it, as a person does; a write
counts when the answer is the "sent" page, and at the end the rows must be in the database (a registration: its
group; a join: its two e-mails, queued or delivered). The anchor's statements are captured from one join and one
registration made in-process through the same app (SQLAlchemy's before_cursor_execute, the request's thread only:
not the mail worker's delivery), including the reads of the form page and of the 'sent' page.

    .venv/bin/python bench/writes.py [--seconds 10] [--clients 8] [--workers N]
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo_registry.store.db import make_engine  # noqa: E402

COMMAND = [str(Path(sys.executable).with_name("geo-registry"))]
CLIENTS = 8
MARK = "benchmark0serial"  # replaced by a serial number in every captured parameter: names and addresses differ
# The rate limits out of the way: a benchmark's clients all come from 127.0.0.1.
RAISED_LIMITS = {
    "GEO_REGISTRY_JOIN_LIMIT": "100000000",
    "GEO_REGISTRY_JOIN_GROUP_LIMIT": "100000000",
    "GEO_REGISTRY_REGISTER_LIMIT": "100000000",
}


@dataclass(frozen=True)
class Kind:
    """One kind of write: its form page, what is typed (MARK standing for a serial), the page that says done."""

    page: str
    fields: dict
    done: str

    def data(self, serial: int) -> dict:
        """The form's fields for write number serial."""
        return {key: value.replace(MARK, str(serial)) for key, value in self.fields.items()}


KINDS = {
    "join": Kind(
        "/groep/1/aanmelden",
        {
            "naam": "Bea Bewoner",
            "mobiel": "06-12345678",
            "straat": "Brink",
            "email": f"bewoner{MARK}@voorbeeld.invalid",
            "huisnummer": "12",
        },
        "/aanmelden/verstuurd",
    ),
    "registration": Kind(
        "/groep-aanmelden/",
        {
            "naam": f"Buurtapp {MARK}",
            "beheerder_naam": "Bram Beheerder",
            "email": f"aanmelder{MARK}@voorbeeld.invalid",
            "buurten": "BU04170324",
            "actie": "aanmelden",
        },
        "/groep-aanmelden/verstuurd",
    ),
}


def environment(db_url: str, folder: Path) -> dict:
    """The server's settings: this database, mail to an outbox folder, no network, raised rate limits."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("GEO_REGISTRY_")}
    env.update(
        GEO_REGISTRY_DATABASE_URL=db_url,
        GEO_REGISTRY_SECRET_KEY="bench",
        GEO_REGISTRY_PDOK_URL="",
        GEO_REGISTRY_TILES="none",
        GEO_REGISTRY_MAIL_OUTBOX=str(folder / "outbox"),
        **RAISED_LIMITS,
    )
    return env


def post_form(web: requests.Session, base: str, kind: Kind, serial: int) -> bool:
    """Open the form, post it with its CSRF token; whether the answer is the 'sent' page."""
    form = web.get(base + kind.page, timeout=60)
    match = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    if not match:
        return False
    answer = web.post(base + kind.page, data={"csrf_token": match.group(1), **kind.data(serial)}, timeout=60)
    return answer.status_code == 200 and answer.url.endswith(kind.done)


def server_cpu_seconds(pid: int) -> float:
    """CPU seconds (user and system) a server and its worker processes have used so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for each in [pid] + [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]:
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the app: 8 clients over HTTP -------------------------------------------------------------------------------


def serve(env: dict, port: int, workers: int | None) -> subprocess.Popen:
    """Start `geo-registry serve` and wait until it answers."""
    extra = ["--workers", str(workers)] if workers else []
    process = subprocess.Popen(
        [*COMMAND, "serve", "--port", str(port), *extra], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/ping", timeout=2).ok:
                return process
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start")


def ping_thrice(web: requests.Session, base: str, kind: Kind, serial: int) -> bool:
    """The driver's own cost: three requests (as form, post and 'sent' page) to the server's trivial endpoint."""
    return all(web.get(base + "/api/v1/ping", timeout=60).ok for _ in range(3))


def drive(base: str, kind: Kind, seconds: float, clients: int, serials, write=post_form) -> tuple[int, int]:
    """clients sessions making write (posting kind's form) until seconds have passed; return (successes,
    failures)."""
    counts = {"ok": 0, "failed": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client():
        web = requests.Session()
        while time.monotonic() < deadline:
            try:
                ok = write(web, base, kind, next(serials))
            except requests.RequestException:
                ok = False
            with lock:
                counts["ok" if ok else "failed"] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts["ok"], counts["failed"]


def written(db_file: Path, outbox: Path) -> dict:
    """What the database holds of each kind: registrations (groups waiting for their e-mail confirmation) and
    e-mails (queued, or delivered to the outbox folder)."""
    with sqlite3.connect(db_file, timeout=60) as conn:
        groups = conn.execute("SELECT count(*) FROM groups WHERE name LIKE 'Buurtapp %'").fetchone()[0]
        queued = conn.execute("SELECT count(*) FROM mail_outbox").fetchone()[0]
    conn.close()
    delivered = len(list(outbox.glob("*.eml"))) if outbox.exists() else 0
    return {"registrations": groups, "mails": queued + delivered}


# --- the anchor: the same SQL on sqlite3 -------------------------------------------------------------------------


@dataclass
class Capture:
    """The statements one write made, in order; ("COMMIT", None) and ("ROLLBACK", None) where it ended one."""

    steps: list = field(default_factory=list)
    thread: int = 0

    def statement(self, conn, cursor, statement, parameters, context, executemany):
        """before_cursor_execute: keep the request thread's statements (not the mail worker's)."""
        if threading.get_ident() == self.thread:
            self.steps.append((statement, parameters, executemany))

    def ended(self, word: str):
        """A listener that marks the end of a transaction."""

        def listener(conn):
            if threading.get_ident() == self.thread:
                self.steps.append((word, None, False))

        return listener


def capture(env: dict, kind: Kind) -> list:
    """The SQL one write of kind makes through the app (the form page and the post), captured in-process."""
    from geo_registry import create_app

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        app = create_app()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    engine = app.extensions["geo_registry.engine"]
    web = app.test_client()
    web.get(kind.page)  # the first request warms caches (snapshot, templates): capture a later one
    recorder = Capture(thread=threading.get_ident())
    sa.event.listen(engine, "before_cursor_execute", recorder.statement)
    sa.event.listen(engine, "commit", recorder.ended("COMMIT"))
    sa.event.listen(engine, "rollback", recorder.ended("ROLLBACK"))
    page = web.get(kind.page).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = web.post(kind.page, data={"csrf_token": token, **kind.fields}, follow_redirects=True)
    assert answer.status_code == 200 and answer.request.path.endswith(kind.done), answer.status_code
    sa.event.remove(engine, "before_cursor_execute", recorder.statement)
    engine.dispose()  # the web process sends no mail (the worker process does): nothing else to stop
    return recorder.steps


def _with_serial(parameters, serial: str):
    """The captured parameters with MARK replaced by serial."""
    if isinstance(parameters, dict):
        return {key: _with_serial(value, serial) for key, value in parameters.items()}
    if isinstance(parameters, (list, tuple)):
        return type(parameters)(_with_serial(value, serial) for value in parameters)
    return parameters.replace(MARK, serial) if isinstance(parameters, str) else parameters


def _replay_once(conn: sqlite3.Connection, steps: list, serial: str) -> None:
    """One write's statements and transaction ends, as the app made them."""
    for statement, parameters, many in steps:
        if statement == "COMMIT":
            conn.commit()
        elif statement == "ROLLBACK":
            conn.rollback()
        elif many:
            conn.executemany(statement, _with_serial(parameters, serial))
        else:
            conn.execute(statement, _with_serial(parameters, serial)).fetchall()


def replay(db_url: str, steps: list, seconds: float, clients: int, serials, app_settings: bool = True) -> int:
    """clients threads replaying steps on sqlite3 until seconds have passed; return how many complete replays
    there were. app_settings: the app's connection (WAL, synchronous=NORMAL, busy_timeout, foreign keys); else
    sqlite's defaults (rollback journal, synchronous=FULL) with the same wait and foreign keys, as issue 11 measured.
    A replay refused with "database is locked" (two writers in a rollback journal) is rolled back and not counted."""
    done = itertools.count()
    finished = []
    deadline = time.monotonic() + seconds
    engine = make_engine(db_url) if app_settings else None

    def connect():
        if engine is not None:
            return engine.raw_connection()  # a plain sqlite3 connection with the app's PRAGMAs
        conn = sqlite3.connect(sa.engine.make_url(db_url).database, timeout=5)
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def client():
        pooled = connect()
        conn = getattr(pooled, "driver_connection", pooled)
        try:
            while time.monotonic() < deadline:
                try:
                    _replay_once(conn, steps, str(next(serials)))
                except sqlite3.OperationalError as error:
                    if "locked" not in str(error):
                        raise
                    conn.rollback()
                    continue
                finished.append(next(done))
        finally:
            conn.rollback()
            pooled.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if engine is not None:
        engine.dispose()
    return len(finished)


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of an SQLite database (its journal mode included)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def wrk_registrations(base: str, seconds: float, clients: int, db_file: Path, pid: int, row) -> tuple[int, int]:
    """Registrations by wrk (bench/writes.lua: form, post, 'sent' page per connection, one connection per thread);
    return (completed, failed or not found in the database)."""
    count = "SELECT count(*) FROM groups WHERE name LIKE 'Buurtapp %'"
    with sqlite3.connect(db_file, timeout=60) as conn:
        before = conn.execute(count).fetchone()[0]
    conn.close()
    cpu = server_cpu_seconds(pid)
    script = Path(__file__).with_name("writes.lua")
    command = [
        "wrk",
        f"-t{clients}",
        f"-c{clients}",
        f"-d{seconds:g}s",
        "-s",
        str(script),
        base,
        "--",
        f"w{time.time_ns()}",
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 120).stdout
    server_ms = (server_cpu_seconds(pid) - cpu) * 1000
    ok, failed = (int(n) for n in re.search(r"registrations ok (\d+) failed (\d+)", output).groups())
    time.sleep(1)  # a registration whose 'sent' page was still on its way when wrk stopped
    with sqlite3.connect(db_file, timeout=60) as conn:
        grown = conn.execute(count).fetchone()[0] - before
    conn.close()
    row(
        f"registrations/s via HTTP, wrk driver ({clients} connections; the form read uncompressed)",
        f"{ok / seconds:,.0f}/s",
        f"server CPU {server_ms / max(ok, 1):.1f} ms a registration",
    )
    # A post answered while wrk stopped is stored without its 'sent' page read: more rows than counted is no loss.
    return ok, failed + max(0, ok - grown)


def bench_writes(
    row, seconds: float = 10.0, clients: int = CLIENTS, workers: int | None = None, say=None, kinds=None
) -> None:
    """Joins and registrations per second through the app against the same SQL straight on sqlite3 (kinds: the
    names of KINDS to run, all by default; with say, the registrations' verdict)."""
    folder = Path(tempfile.mkdtemp(prefix="geo-bench-writes-"))
    db_file = folder / "app.sqlite3"
    env = environment(f"sqlite:///{db_file}", folder)
    subprocess.run([*COMMAND, "init-db"], env=env, check=True, capture_output=True)
    subprocess.run([*COMMAND, "load-examples"], env=env, check=True, capture_output=True)
    copy_database(db_file, folder / "anchor.sqlite3")
    copy_database(db_file, folder / "defaults.sqlite3")
    with sqlite3.connect(folder / "defaults.sqlite3") as plain:
        plain.execute("PRAGMA journal_mode=DELETE")  # the copy is in WAL mode like its source
    plain.close()
    copy_database(db_file, folder / "capture.sqlite3")
    steps = {
        name: capture(environment(f"sqlite:///{folder / 'capture.sqlite3'}", folder / "capture"), kind)
        for name, kind in KINDS.items()
    }
    serials = itertools.count(1)  # shared by both runs: every name and address is new
    port = free_port()
    process = serve(env, port, workers)
    base = f"http://127.0.0.1:{port}"
    try:
        for name, kind in KINDS.items():
            if kinds is not None and name not in kinds:
                continue
            post_form(requests.Session(), base, kind, next(serials))  # warm-up: the first request of each kind
            before = written(db_file, folder / "outbox")
            cpu = server_cpu_seconds(process.pid), time.process_time()
            ok, failed = drive(base, kind, seconds, clients, serials)
            server_ms = (server_cpu_seconds(process.pid) - cpu[0]) / max(ok, 1) * 1000
            driver_ms = (time.process_time() - cpu[1]) / max(ok, 1) * 1000
            time.sleep(1)  # the mail worker may still be moving a message from the queue to the outbox folder
            after = written(db_file, folder / "outbox")
            grown = (
                after["registrations"] - before["registrations"]
                if name == "registration"
                else (after["mails"] - before["mails"]) // 2
            )
            raw = replay(f"sqlite:///{folder / 'anchor.sqlite3'}", steps[name], seconds, clients, serials)
            plain = replay(
                f"sqlite:///{folder / 'defaults.sqlite3'}", steps[name], seconds, clients, serials, app_settings=False
            )
            pings, _ = drive(base, kind, seconds, clients, serials, write=ping_thrice)
            app_rate, raw_rate, plain_rate = ok / seconds, raw / seconds, plain / seconds
            row(
                f"anchor: the driver alone ({clients} requests threads, 3 × /api/v1/ping a write), writes/s",
                f"{pings / seconds:,.0f}/s",
            )
            row(
                f"CPU per {name} via HTTP: the server (all its processes) / the driver (requests, this process)",
                f"{server_ms:.1f} ms / {driver_ms:.1f} ms",
                "server: target ≤ 5 ms",
            )
            statements = sum(1 for step in steps[name] if step[0] not in ("COMMIT", "ROLLBACK"))
            row(
                f"anchor: the same SQL on sqlite3 ({statements} statements), {name}s/s, {clients} threads",
                f"{raw_rate:,.0f}/s",
            )
            row(
                f"anchor: the same SQL, sqlite's defaults (rollback journal, sync FULL), {name}s/s",
                f"{plain_rate:,.0f}/s",
            )
            row(
                f"{name}s/s via HTTP (form + post + sent page), {clients} clients",
                f"{app_rate:,.0f}/s",
                f"{app_rate / raw_rate * 100:.1f}% of the anchor ({app_rate / plain_rate * 100:.0f}% of sqlite's "
                "defaults); target ≥ 50%",
            )
            lost = failed + abs(ok - grown)
            if name == "registration" and shutil.which("wrk"):
                # The requests driver costs the machine a third of what the server does: wrk, in C, far less.
                wrk_ok, wrk_lost = wrk_registrations(base, seconds, clients, db_file, process.pid, row)
                app_rate, lost = max(app_rate, wrk_ok / seconds), lost + wrk_lost
            if say is not None:
                say(f"{name}s_per_second_http", app_rate, "/s", "figure >= 100 /s", raw_rate)
                say(f"{name}s_failed_or_lost", lost, "writes", "figure <= 0")
            if failed or grown != ok:
                row(
                    f"{name}s: failed answers, or writes not found in the database",
                    f"{failed} / {ok - grown}",
                    "must be 0 / 0",
                )
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":  # this row alone
    sys.path.insert(0, str(Path(__file__).parent))
    from benchmark import row

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--workers", type=int, default=None, help="server processes (default: serve's own)")
    args = parser.parse_args()
    bench_writes(row, args.seconds, args.clients, args.workers)
