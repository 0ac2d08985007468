"""Benchmark rows of issue 24 for the request path at national size, each with its anchor measured in the same run:

- an approval in the first seconds after a process starts (its area checked against the municipality's outline,
  as the form does) and the next lookup, against the same a while later in the same process;
- HTTP lookups by point against /api/v1/ping on `geo-registry serve` with 2 worker processes (wrk, alternating
  pairs), and the server's CPU per request;
- the memory (RSS) of each worker process after a minute of lookups, against the minimal server of startup.py.

    .venv/bin/python bench/request_path.py [scale] [--seconds 5]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

import shapely
from national_http import lua_scripts

from geo_registry.domain.groups import GroupStore, import_groups
from geo_registry.store.db import make_engine, upgrade

LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "60"))  # lookups before the workers' memory is read

# In a new process: the app's first lookup, then at once an approval whose area is checked against the outline
# (as the registration form does), then the next lookup; the same again once the outlines are there.
APPROVAL_PROBE = textwrap.dedent("""
    import json, sys, time
    from geo_registry import create_app
    from geo_registry.domain import actions
    from geo_registry.domain.areas import check_area
    from geo_registry.domain.groups import Group
    from geo_registry.mail.delivery import Message
    from geo_registry.web import services
    lat, lon = float(sys.argv[1]), float(sys.argv[2])
    app = create_app()
    client = app.test_client()
    url = f"/api/v1/lookup?lat={lat:.6f}&lon={lon:.6f}"

    def approval_then_lookup(n):
        with app.app_context():
            registry = services.current().registry
            snapshot = registry.snapshot()
            area = snapshot.groups[n].area
            started = time.perf_counter()
            checked = check_area(area, snapshot.gemeente, [], "bench").geometry
            message = Message("bench", "b@voorbeeld.invalid", "s", "b")
            store = services.current().store
            gid, _ = actions.register(store, Group(None, f"Bench {n}", checked, "B", "b@voorbeeld.invalid"),
                                      lambda g: message)
            actions.confirm_email(store, gid)
            actions.review(store, gid, "bench", True, "", lambda g: message)
            approved = time.perf_counter()
            assert client.get(url).status_code == 200
            return approved - started, time.perf_counter() - approved

    started = time.perf_counter()
    assert client.get(url).status_code == 200
    first_lookup = time.perf_counter() - started
    early = approval_then_lookup(0)
    with app.app_context():
        base = services.current().registry.snapshot().base
        waited = time.perf_counter()
        while base._outlines is None and time.perf_counter() - waited < 120:  # (also before issue 24)
            time.sleep(0.1)
    time.sleep(2)
    late = approval_then_lookup(1)
    print(json.dumps({"first_lookup": first_lookup, "early": early, "late": late}))
""")


def _probe_approval(env, lat, lon) -> dict:
    """Run APPROVAL_PROBE in a new process; its figures."""
    done = subprocess.run(
        [sys.executable, "-c", APPROVAL_PROBE, str(lat), str(lon)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _worker_rss_mib(pid: int) -> list[float]:
    """Resident memory of each worker process of the server whose master is pid, in MiB."""
    sizes = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        for line in Path(f"/proc/{child}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def _serve(env, port: int, workers: int, url: str) -> subprocess.Popen:
    """Start geo-registry serve and wait until url answers."""
    command = [str(Path(sys.executable).parent / "geo-registry"), "serve", "--workers", str(workers)]
    process = subprocess.Popen(
        command + ["--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    started = time.perf_counter()
    while time.perf_counter() - started < 600:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{url}", timeout=300).read()
            return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"serve stopped with {process.returncode}") from None
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("serve did not answer in 10 minutes")


def _http_rows(row, env, free_port, bounds, seconds: int, folder: Path, anchor_mib: float) -> None:
    """wrk: lookups against ping on 2 workers, alternating pairs; then each worker's memory after them."""
    from benchmark import measured_run, wrk

    port = free_port()
    process = _serve(env, port, 2, "/api/v1/ping")
    base = f"http://127.0.0.1:{port}/"
    try:
        scripts = lua_scripts(folder, bounds)
        wrk(base, 2, scripts["lookup"])  # both workers have read the register
        started = time.perf_counter()
        pairs = [
            (
                measured_run(process, base, seconds, scripts["ping"]),
                measured_run(process, base, seconds, scripts["lookup"]),
            )
            for _ in range(3)
        ]
        while time.perf_counter() - started < LOAD_SECONDS:  # a minute of lookups in all
            wrk(base, 5, scripts["lookup"])
        ratios = sorted(lookup[0] / trivial[0] for trivial, lookup in pairs)
        cpu = sorted(trivial[1] / lookup[1] for trivial, lookup in pairs)
        rss = _worker_rss_mib(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=60)
    row(
        "HTTP lookup / ping, national, 2 workers (median of 3 pairs)",
        f"{ratios[1] * 100:.0f}% ({ratios[0] * 100:.0f}–{ratios[-1] * 100:.0f}%)",
        f"ping {sorted(t[0] for t, _ in pairs)[1]:,.0f}/s, lookup {sorted(lk[0] for _, lk in pairs)[1]:,.0f}/s; "
        "target ≥ 90%",
    )
    row(
        "  by server CPU per request (ping / lookup)",
        f"{cpu[1] * 100:.0f}% ({cpu[0] * 100:.0f}–{cpu[-1] * 100:.0f}%)",
        f"{sorted(t[1] for t, _ in pairs)[1]:.3f} ms / {sorted(lk[1] for _, lk in pairs)[1]:.3f} ms",
    )
    row(
        "memory per worker after a minute of lookups (largest)",
        f"{max(rss):,.0f} MiB",
        f"{max(rss) / anchor_mib:.2f}x the minimal server ({anchor_mib:,.0f} MiB); target ≤ 350 MiB",
    )


def bench_request_path(row, buurten, groups, free_port, seconds: int = 5) -> None:
    """The rows of issue 24 on the request path (see the module's docstring)."""
    from startup import MINIMAL_SERVER, _measure, _write_groups, _write_wijken

    folder = Path(tempfile.mkdtemp(prefix="geo-bench-path-"))
    try:
        wijken, db_file = folder / "wijken.geojson", folder / "path.sqlite3"
        _write_wijken(wijken, buurten)
        engine = make_engine(f"sqlite:///{db_file}")
        upgrade(engine)
        _write_groups(folder / "groepen.geojson", groups)
        assert len(import_groups(GroupStore(engine), folder / "groepen.geojson").added) == len(groups)
        engine.dispose()
        lat, lon = shapely.get_coordinates(groups[0].area.representative_point())[0][::-1]
        env = dict(
            {k: v for k, v in os.environ.items() if not k.startswith("GEO_REGISTRY_")},
            GEO_REGISTRY_DATABASE_URL=f"sqlite:///{db_file}",
            GEO_REGISTRY_WIJKEN_FILE=str(wijken),
            GEO_REGISTRY_GEMEENTECODE=buurten[0].gemeentecode,
            GEO_REGISTRY_TILES="none",
            GEO_REGISTRY_PDOK_URL="",
            GEO_REGISTRY_SECRET_KEY="bench",
            GEO_REGISTRY_MAIL_OUTBOX=str(folder / "outbox"),
            GEO_REGISTRY_BUURTEN_CACHE=str(folder / "cache"),
        )
        # The first process after a new wijken file (as import-wijken would) writes the fast copy and whatever
        # it keeps beside it; every process after it starts as a worker of a running deployment does.
        cold = _probe_approval(env, lat, lon)
        warm = _probe_approval(env, lat, lon)
        for label, figures in (("first process after a new wijken file", cold), ("a later process", warm)):
            (early_approval, early_lookup), (late_approval, late_lookup) = figures["early"], figures["late"]
            row(
                f"approval right after start → next lookup ({label})",
                f"{early_lookup * 1e3:,.0f} ms",
                f"later in the same process: {late_lookup * 1e3:,.0f} ms; target ≤ 50 ms",
            )
            row(
                f"  the approval itself, area checked against the outline ({label})",
                f"{early_approval * 1e3:,.0f} ms",
                f"later: {late_approval * 1e3:,.0f} ms",
            )
        port = free_port()
        _, anchor_mib, _, _ = _measure(
            [sys.executable, "-c", MINIMAL_SERVER, str(db_file), str(wijken), str(port)],
            f"http://127.0.0.1:{port}/?lat={lat}&lon={lon}",
            settle=1.0,
        )
        if shutil.which("wrk") is None:
            row("HTTP lookup / ping, national", "skipped", "wrk not installed (make bench installs it)")
            return
        bounds = shapely.total_bounds([b.geometry for b in buurten])
        _http_rows(row, env, free_port, bounds, seconds, folder, anchor_mib)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    import argparse

    import numpy as np

    sys.path.insert(0, str(Path(__file__).parent))
    from benchmark import free_port, row
    from synthetic import NL_BOUNDS, group_areas, neighbourhoods

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scale", nargs="?", type=int, default=1, help="a part of the national size (10: a tenth)")
    parser.add_argument("--seconds", type=int, default=5, help="seconds of each wrk run")
    args = parser.parse_args()
    rng = np.random.default_rng(20261126)
    bench_request_path(
        row,
        neighbourhoods(rng, 13_000 // args.scale),
        group_areas(rng, 20_000 // args.scale, NL_BOUNDS),
        free_port,
        args.seconds,
    )
