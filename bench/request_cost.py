"""Benchmark row of issue 11: what a lookup by point costs beyond the trivial endpoint, in CPU instructions per
request, counted by valgrind's callgrind in one process that calls the app as a WSGI server would.

Throughput on this shared 2-core machine swings with whatever else runs (wrk itself, tests, other work): ratios
from 23% to 221% within minutes. An instruction count does not: the same run gives the same figure, so a change
to the request path shows as a change in this row. It leaves out the server (gunicorn parsing and writing, the
same for both) and waiting for the GIL between threads.

Run as a script, it is the driver that valgrind runs: `request_cost.py DATABASE_URL N ENDPOINT...`."""

from __future__ import annotations

import functools
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def laren_register(folder: Path, rng, buurten, groups: int = 200) -> str:
    """A SQLite register in folder with `groups` random group areas over Laren; returns its database URL."""
    from synthetic import group_areas, laren_bounds

    from geo_registry.domain.groups import GroupStore
    from geo_registry.store.db import make_engine, upgrade

    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    store = GroupStore(engine)
    for group in group_areas(rng, groups, laren_bounds(buurten), radius=(100, 400), vertices=(20, 120)):
        group.id = None
        store.add(group)
    engine.dispose()
    return url


def bench_request_cost(row, buurten, rng, requests: int = 300) -> None:
    """Instructions per request for /api/v1/ping and /api/v1/lookup by random point (Laren, 200 groups)."""
    if shutil.which("valgrind") is None:
        row("HTTP lookup vs ping, instructions per request", "skipped", "valgrind not installed (make bench does)")
        return
    folder = Path(tempfile.mkdtemp(prefix="geo-bench-cost-"))
    try:
        url = laren_register(folder, rng, buurten)
        endpoints = ["ping", "lookup", "ping", "lookup"]  # twice each: the second pair shows the count holds
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--collect-atstart=no",
                "--toggle-collect=functools_reduce",
                "--dump-after=functools_reduce",
                f"--callgrind-out-file={folder}/callgrind.%p",
                sys.executable,
                __file__,
                url,
                str(requests),
                *endpoints,
            ],
            check=True,
            capture_output=True,
            cwd=folder,
            env=dict(os.environ, PYTHONHASHSEED="0"),
            timeout=1800,
        )
        counts = dump_totals(folder)
        if len(counts) != len(endpoints):
            raise RuntimeError(f"expected {len(endpoints)} counts from callgrind, got {counts}")
        ping, lookup = (
            min(c for e, c in zip(endpoints, counts) if e == name) / requests for name in ("ping", "lookup")
        )
        row(
            "HTTP ping / lookup by point in one process (WSGI), instructions per request",
            f"{ping / 1000:,.0f}k / {lookup / 1000:,.0f}k",
            "callgrind; the same figures in every run",
        )
        row(
            "HTTP lookup by point vs ping, by instructions per request",
            f"{ping / lookup * 100:.0f}%",
            "target ≥ 90% (issue 11), before the server's own work, which is the same for both",
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def dump_totals(folder: Path) -> list[int]:
    """The instruction totals of callgrind's dumps in folder that counted something, in the order they were made."""
    totals = []
    for dump in sorted(folder.glob("callgrind.*.*"), key=lambda p: int(p.name.rsplit(".", 1)[1])):
        found = re.search(r"^summary:\s*(\d+)", dump.read_text(errors="replace"), re.MULTILINE)
        if found and int(found.group(1)) > 10_000:  # the dumps of empty reduce() calls elsewhere count a few hundred
            totals.append(int(found.group(1)))
    return totals


def drive(url: str, requests: int, endpoints: list[str]) -> None:
    """Call the app for each endpoint `requests` times at random points, each batch inside one functools.reduce
    call, which is what callgrind counts (and dumps after)."""
    import random

    os.environ.update(
        GEO_REGISTRY_DATABASE_URL=url,
        GEO_REGISTRY_TILES="none",
        GEO_REGISTRY_PDOK_URL="",
        GEO_REGISTRY_SECRET_KEY="bench",
        GEO_REGISTRY_MAIL_OUTBOX=str(Path.cwd() / "outbox"),
    )
    sys.path.insert(0, str(ROOT))
    from geo_registry import create_app
    from geo_registry.web import services as app_services

    app = create_app()
    with app.app_context():
        registry = app_services.current().registry
        # Under valgrind a quarter of a second is a few requests; served, the database's version is looked at
        # once in hundreds of requests. Without this the count would mostly measure that look.
        registry.recheck_seconds = 1e9
        minx, miny, maxx, maxy = registry.snapshot().base.bounds
    chosen = random.Random(42)
    points = [(miny + chosen.random() * (maxy - miny), minx + chosen.random() * (maxx - minx)) for _ in range(requests)]

    def call(endpoint: str, lat: float, lon: float) -> bool:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": f"/api/v1/{endpoint}",
            "QUERY_STRING": f"lat={lat:.6f}&lon={lon:.6f}" if endpoint != "ping" else "",  # ping takes none
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        status = []
        body = app(environ, lambda line, headers, exc_info=None: status.append(line))
        b"".join(body)
        getattr(body, "close", lambda: None)()
        if not status[0].startswith("200"):
            raise RuntimeError(f"{endpoint}: {status[0]}")
        return True

    for endpoint in endpoints:
        for lat, lon in points[:20]:  # the first requests build what later ones reuse
            call(endpoint, lat, lon)
        functools.reduce(lambda done, point: call(endpoint, *point) and done, points, True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "bench"))
    drive(sys.argv[1], int(sys.argv[2]), sys.argv[3:])
