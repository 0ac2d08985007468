"""Benchmark rows of issue 24 at national size through HTTP: lookups by point against the same server's
`/api/v1/ping` (`geo-registry serve`, one worker process per core, `wrk -t2 -c16`, alternating pairs), then the
memory of each worker process after a minute of lookups, against the minimal server of bench/startup.py."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from startup import _first_answer


def lua_script(folder: Path, endpoint: str, bounds) -> Path:
    """A wrk script asking endpoint at random points within bounds (WGS84); ping takes no parameters (the API
    refuses one it does not document), so it is asked without them, after drawing the same numbers."""
    minx, miny, maxx, maxy = bounds
    script = folder / f"{endpoint}.lua"
    ask = f"string.format('/api/v1/{endpoint}?lat=%.6f&lon=%.6f', lat, lon)"
    if endpoint == "ping":
        ask = "'/api/v1/ping'"
    script.write_text(
        "math.randomseed(42)\nrequest = function()\n"
        f"  local lat = {miny} + math.random() * {maxy - miny}\n"
        f"  local lon = {minx} + math.random() * {maxx - minx}\n"
        f"  return wrk.format('GET', {ask})\nend\n"
    )
    return script


def lua_scripts(folder: Path, bounds) -> dict[str, Path]:
    """wrk scripts asking ping and lookup (at random points within bounds)."""
    return {endpoint: lua_script(folder, endpoint, bounds) for endpoint in ("ping", "lookup")}


def process_tree(pid: int) -> list[int]:
    """pid and every process below it (Linux /proc)."""
    found, todo = [], [pid]
    while todo:
        one = todo.pop()
        found.append(one)
        for task in Path(f"/proc/{one}/task").iterdir():
            todo += [int(child) for child in (task / "children").read_text().split()]
    return found


def largest_rss_mib(pid: int) -> float:
    """The resident memory of the largest process in pid's tree (a worker; the supervisor is small), in MiB."""
    largest = 0
    for one in process_tree(pid):
        try:
            status = Path(f"/proc/{one}/status").read_text()
        except FileNotFoundError:  # ended meanwhile
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                largest = max(largest, int(line.split()[1]))
    return largest / 1024


def warm_up(base: str, scripts, wrk, most: int = 20) -> None:
    """Ask lookups until every worker answers them: a worker loads the register at its first lookup (tens of
    seconds on a busy machine), and a pair measured meanwhile compares ping with a waiting worker."""
    ping = wrk(base + "/", 2, scripts["ping"])[0]
    for _ in range(most):
        if wrk(base + "/", 2, scripts["lookup"])[0] >= 0.5 * ping:
            return


def bench_national_http(row, say, folder: Path, env, bounds, point, free_port, anchor_mib: float, quick: bool) -> None:
    """The HTTP ratio and the memory after a minute of lookups, at national size (the register in folder/env)."""
    from benchmark import stop, wrk

    if shutil.which("wrk") is None:
        row("national HTTP lookups", "skipped", "wrk not installed (make bench installs it)")
        return
    port = free_port()
    command = [str(Path(sys.executable).parent / "geo-registry"), "serve", "--workers", "2", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    process, _ = _first_answer(command, f"{base}/api/v1/lookup?lat={point[0]:.6f}&lon={point[1]:.6f}", env)
    try:
        scripts = lua_scripts(folder, bounds)
        load_started = time.perf_counter()
        warm_up(base, scripts, wrk)
        seconds = 3 if quick else 5
        pairs = [
            (wrk(base + "/", seconds, scripts["ping"])[0], wrk(base + "/", seconds, scripts["lookup"])[0])
            for _ in range(3)
        ]
        # A ping run that completed nothing (both workers busy starting again, on a loaded machine) is no ratio.
        ratios = sorted(lookup / ping if ping else float("inf") for ping, lookup in pairs)
        ping, lookup = sorted(p for p, _ in pairs)[1], sorted(lk for _, lk in pairs)[1]
        row(
            "national: HTTP lookup / ping, 2 workers, median of 3 alternating pairs",
            f"{ratios[1] * 100:.0f}% ({ratios[0] * 100:.0f}–{ratios[-1] * 100:.0f}%)",
            f"{lookup:,.0f} vs {ping:,.0f} req/s; target ≥ 90%",
        )
        say("http_lookup_vs_ping_national", ratios[1], "share", "figure >= 0.9")
        rest = (10 if quick else 60) - (time.perf_counter() - load_started)
        if rest > 1:
            wrk(base + "/", int(rest), scripts["lookup"])
        mib = largest_rss_mib(process.pid)
        minute = time.perf_counter() - load_started
        row(
            f"national: memory of the largest worker after {minute:.0f} s of lookups",
            f"{mib:,.0f} MiB",
            f"{mib / anchor_mib:.2f}x the minimal server; target ≤ 350 MiB",
        )
        say("memory_per_worker_after_load", mib, "MiB", "figure <= 350 MiB", anchor_mib)
    finally:
        stop(process)
