"""Benchmark rows of issue 11 for a server process at national size: start-up to the first answered lookup, and
the memory (RSS) a process holds after it, for `geo-registry serve --workers 1` against a minimal server (SQLite +
pyogrio + a shapely STRtree + http.server answering one lookup) started on the same data in the same run."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

import shapely

from geo_registry.domain.groups import GroupStore, import_groups
from geo_registry.store.db import make_engine, upgrade

# The minimal server: what any server answering a lookup at this size must at least do.
MINIMAL_SERVER = textwrap.dedent("""
    import sqlite3, sys, urllib.parse
    from http.server import BaseHTTPRequestHandler, HTTPServer
    import pyogrio, shapely
    db, wijken, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT id, area FROM groups WHERE status = 'active'").fetchall()
    ids, areas = [r[0] for r in rows], shapely.from_wkb([r[1] for r in rows])  # as the app stores them (0010)
    groups = shapely.STRtree(areas)
    buurten = pyogrio.read_dataframe(wijken)
    buurt_tree = shapely.STRtree(buurten.geometry.values)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
            point = shapely.Point(float(query["lon"][0]), float(query["lat"][0]))
            found = [ids[i] for i in groups.query(point, predicate="intersects")]
            buurt = [buurten.code.iloc[i] for i in buurt_tree.query(point, predicate="intersects")]
            body = repr((found, buurt)).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    HTTPServer(("127.0.0.1", port), Handler).serve_forever()
""")


def _write_wijken(path: Path, buurten) -> None:
    """The buurten as the wijken GeoJSON file the app reads."""
    features = [
        {
            "type": "Feature",
            "geometry": json.loads(shapely.to_geojson(b.geometry)),
            "properties": {"code": b.code, "name": b.name, "wijkcode": b.wijkcode, "gemeentecode": b.gemeentecode},
        }
        for b in buurten
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def _write_groups(path: Path, groups) -> None:
    features = [
        {
            "type": "Feature",
            "geometry": json.loads(shapely.to_geojson(g.area)),
            "properties": {"name": g.name, "beheerder_name": "B", "beheerder_email": g.beheerder_email},
        }
        for g in groups
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def _rss_mib(pid: int) -> float:
    """Resident memory of a process and its children, in MiB (from /proc)."""
    total = 0
    pids = [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for one in pids:
        for line in Path(f"/proc/{one}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def _first_answer(command: list[str], url: str, env=None) -> tuple[subprocess.Popen, float]:
    """Start command; return it and the seconds until url first answers 200."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while time.perf_counter() - started < 600:
        try:
            urllib.request.urlopen(url, timeout=300).read()
            return process, time.perf_counter() - started
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} stopped with {process.returncode}") from None
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{command} did not answer in 10 minutes")


def _measure(command, url, env=None, settle: float = 15.0) -> tuple[float, float, float, float]:
    """Seconds to the first answered lookup; the MiB held half a second after it, the most held in the settle
    seconds after it (the app makes the municipality outline in the background after its first lookup), and the
    MiB held at the end of them."""
    process, seconds = _first_answer(command, url, env)
    try:
        time.sleep(0.5)
        first = most = _rss_mib(process.pid)
        for _ in range(int(settle / 0.25)):
            time.sleep(0.25)
            most = max(most, _rss_mib(process.pid))
        return seconds, first, most, _rss_mib(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def prepared_register(folder: Path, buurten, groups, imported: Path | None = None) -> tuple[dict, tuple[float, float]]:
    """Write the buurten as a wijken file and import the groups into a new SQLite register in folder (or copy the
    register imported holds them in already); return the environment a server on it needs and a point inside the
    first group (lat, lon)."""
    wijken, db_file = folder / "wijken.geojson", folder / "startup.sqlite3"
    _write_wijken(wijken, buurten)
    if imported is not None:  # sqlite3's backup: the copy holds what the write-ahead log holds too
        source, copy = sqlite3.connect(imported), sqlite3.connect(db_file)
        source.backup(copy)
        source.close()
        copy.close()
    else:
        engine = make_engine(f"sqlite:///{db_file}")
        upgrade(engine)
        _write_groups(folder / "groepen.geojson", groups)
        assert len(import_groups(GroupStore(engine), folder / "groepen.geojson").added) == len(groups)
        engine.dispose()
    lat, lon = shapely.get_coordinates(groups[0].area.representative_point())[0][::-1]
    env = dict(
        os.environ,
        GEO_REGISTRY_DATABASE_URL=f"sqlite:///{db_file}",
        GEO_REGISTRY_WIJKEN_FILE=str(wijken),
        GEO_REGISTRY_GEMEENTECODE=buurten[0].gemeentecode,
        GEO_REGISTRY_TILES="none",
        GEO_REGISTRY_PDOK_URL="",
        GEO_REGISTRY_SECRET_KEY="bench",
        GEO_REGISTRY_MAIL_OUTBOX=str(folder / "outbox"),
        GEO_REGISTRY_BUURTEN_CACHE=str(folder / "cache"),
    )
    return env, (float(lat), float(lon))


def minimal_server(folder: Path, point, free_port, settle: float) -> tuple[float, float, float, float]:
    """The anchor: the minimal server on prepared_register's files (_measure's figures)."""
    port = free_port()
    return _measure(
        [
            sys.executable,
            "-c",
            MINIMAL_SERVER,
            str(folder / "startup.sqlite3"),
            str(folder / "wijken.geojson"),
            str(port),
        ],
        f"http://127.0.0.1:{port}/?lat={point[0]}&lon={point[1]}",
        settle=settle,
    )


def bench_startup(
    row,
    buurten,
    groups,
    free_port,
    settle: float = 15.0,
    say=None,
    then=None,
    cold_settle: float | None = None,
    db_file: Path | None = None,
) -> None:
    """Start-up → first lookup and memory per process at national size, the app against the minimal server; then
    (when given) is called with the folder, the server's environment, a point and the anchor's MiB, before the
    folder is removed. cold_settle: the seconds the first start (which writes the fast copy) is watched after its
    first lookup (its memory is not reported; the default run of make bench waits 1 s). db_file: a register that
    already holds groups (imported by bench/updates.py), copied instead of importing groups again."""
    cold_settle = settle if cold_settle is None else cold_settle
    folder = Path(tempfile.mkdtemp(prefix="geo-bench-startup-"))
    try:
        env, (lat, lon) = prepared_register(folder, buurten, groups, imported=db_file)
        anchor_s, anchor_mib, _, _ = minimal_server(folder, (lat, lon), free_port, settle)
        command = [str(Path(sys.executable).parent / "geo-registry"), "serve", "--workers", "1"]
        url = f"/api/v1/lookup?lat={lat:.6f}&lon={lon:.6f}"
        # The first start after a new wijken file writes the buurten's fast copy (import-wijken writes it too);
        # every later start, and every worker process, reads that copy.
        port = free_port()
        cold_s, *_ = _measure(command + ["--port", str(port)], f"http://127.0.0.1:{port}{url}", env, cold_settle)
        port = free_port()
        app_s, app_mib, app_most, app_settled = _measure(
            command + ["--port", str(port)], f"http://127.0.0.1:{port}{url}", env, settle
        )
        size = f"{len(buurten):,} buurten, {len(groups):,} groups"
        row(f"anchor: minimal server, start → first lookup ({size})", f"{anchor_s:.1f} s")
        row(
            "geo-registry serve --workers 1, start → first lookup",
            f"{app_s:.1f} s",
            f"{app_s / anchor_s:.2f}x the anchor; target ≤ 4 s",
        )
        row(
            "  the same, first start after a new wijken file (writes its fast copy)",
            f"{cold_s:.1f} s",
            f"{cold_s / anchor_s:.2f}x the anchor",
        )
        row("anchor: minimal server, memory after the first lookup", f"{anchor_mib:,.0f} MiB")
        row(
            "geo-registry serve --workers 1, memory after the first lookup",
            f"{app_mib:,.0f} MiB",
            f"{app_mib / anchor_mib:.2f}x the anchor; target ≤ 350 MiB",
        )
        row(
            "  the same, once the outline is made in the background (most on the way)",
            f"{app_settled:,.0f} MiB ({app_most:,.0f})",
            f"{app_settled / anchor_mib:.2f}x the anchor",
        )
        if say is not None:
            say("start_to_first_lookup", app_s, "s", "figure <= 4 s", anchor_s)
            say("memory_after_start", app_settled, "MiB", "figure <= 350 MiB", anchor_mib)
        if then is not None:
            then(folder, env, (lat, lon), anchor_mib)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":  # this row alone: python bench/startup.py [scale]
    import numpy as np

    sys.path.insert(0, str(Path(__file__).parent))
    from benchmark import free_port, row
    from synthetic import NL_BOUNDS, group_areas, neighbourhoods

    scale = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    rng = np.random.default_rng(20261126)
    bench_startup(row, neighbourhoods(rng, 13_000 // scale), group_areas(rng, 20_000 // scale, NL_BOUNDS), free_port)
