"""Benchmark rows of issue 11 whose cost should follow the change, not the register: import-groups at two sizes,
and the next lookup after a write nobody sees and after an approval, at national size. Each with its anchor
measured in the same run."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import shapely
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from synthetic import NL_BOUNDS, group_areas

from geo_registry.domain import actions
from geo_registry.domain.groups import NAME_TAKEN, Group, GroupStore, import_groups
from geo_registry.mail.delivery import Message
from geo_registry.spatial.register import Registry, Snapshot
from geo_registry.store.db import make_engine, upgrade


def _write_groups(path: Path, groups, offset: int) -> None:
    """Write groups as the GeoJSON FeatureCollection that import-groups reads."""
    features = [
        {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(group.area),
            "properties": {
                "name": f"Groep {offset + i}",
                "beheerder_name": "B. Heerder",
                "beheerder_email": f"b{offset + i}@voorbeeld.invalid",
            },
        }
        for i, group in enumerate(groups)
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def _import(store: GroupStore, folder: Path, groups, offset: int) -> float:
    """Import groups into store; return the seconds per group."""
    path = folder / f"groepen-{offset}.geojson"
    _write_groups(path, groups, offset)
    started = time.perf_counter()
    report = import_groups(store, path)
    seconds = time.perf_counter() - started
    assert len(report.added) == len(groups), report.refused[:3]
    return seconds / len(groups)


def _name_check_us(db_file: Path, names: int = 2000) -> float:
    """The anchor: the same-name check alone, straight on sqlite3 with the index, in µs."""
    name_taken = str(NAME_TAKEN.compile(dialect=sqlite_dialect()))  # as the app sends it, with a ? for the name
    with sqlite3.connect(db_file) as db:
        started = time.perf_counter()
        for i in range(names):
            db.execute(name_taken, (f"groep {i * 7}",)).fetchone()
        return (time.perf_counter() - started) / names * 1e6


def bench_import_and_updates(row, rng, buurten, national_groups: int, say=None, then=None) -> None:
    """import-groups at a small and at the full size (per group, ratio ≈ 1), then the cost of the next lookup
    after a pending registration and after an approval, against a snapshot built from scratch. then (when given)
    is called with the database file and the groups imported, before the file is removed: the start-up rows serve
    that register instead of importing the same number of groups again (a minute of make bench)."""
    folder = Path(tempfile.mkdtemp(prefix="geo-bench-import-"))
    engine = make_engine(f"sqlite:///{folder / 'import.sqlite3'}")
    upgrade(engine)
    store = GroupStore(engine)
    try:
        small = max(250, national_groups // 8)
        groups = group_areas(rng, national_groups, NL_BOUNDS)
        first = _import(store, folder, groups[:small], 0)
        rest = _import(store, folder, groups[small:], small)
        anchor = _name_check_us(folder / "import.sqlite3")
        row(f"import-groups: per group, first {small:,}", f"{first * 1e3:,.2f} ms")
        row(f"import-groups: per group, up to {national_groups:,}", f"{rest * 1e3:,.2f} ms")
        row("import-groups: per-group time, large / small", f"{rest / first:.2f}", "target ≈ 1 (linear)")
        row("anchor: the same-name check alone on sqlite3, indexed", f"{anchor:,.0f} µs")
        row(
            f"import-groups of {national_groups:,} groups",
            f"{first * small + rest * (national_groups - small):,.0f} s",
            "target ≤ 60 s at 20,000",
        )
        if say is not None:
            say("import_groups", first * small + rest * (national_groups - small), "s", "figure <= 60 s")
            say("import_groups_per_group_large_vs_small", rest * 1e3, "ms", "ratio <= 1.5", first * 1e3)
        _bench_updates(row, store, buurten, say or (lambda *args: None))
        engine.dispose()
        if then is not None:
            then(folder / "import.sqlite3", groups)
    finally:
        engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)


def _next_lookup(registry: Registry, point) -> float:
    """Seconds for the next lookup at point (whatever rebuilding it waits for)."""
    started = time.perf_counter()
    registry.snapshot().answer(*point)
    return time.perf_counter() - started


def _approve(store: GroupStore, name: str, area, message) -> None:
    """Register, confirm and approve a group with this name and area, as a resident and a beheerder would."""
    group_id, _ = actions.register(store, Group(None, name, area, "B", "b@voorbeeld.invalid"), lambda gid: message)
    actions.confirm_email(store, group_id)
    actions.review(store, group_id, "bench", True, "", lambda group: message)


def _approval_after_start(row, say, store: GroupStore, buurten, point, message) -> None:
    """Issue 24: an approval in the first moments of a process (a fresh Registry, as a worker that has just
    started and answered its first lookup) → the next lookup; before, it waited for what the process builds
    lazily (the municipality's outline)."""
    registry = Registry(buurten, store, warm_outlines=True)  # as the web app makes it
    _, first = _timed(lambda: registry.snapshot().answer(*point))
    _approve(store, "Goedgekeurd bij de start", store.list()[1].area, message)
    after_start = _next_lookup(registry, point)
    row("a fresh process: first lookup", f"{first:.2f} s")
    row("an approval right after the first lookup → next lookup", f"{after_start * 1e3:,.0f} ms", "target ≤ 50 ms")
    say("approval_after_start_next_lookup", after_start * 1e3, "ms", "figure <= 50 ms")


def _bench_updates(row, store: GroupStore, buurten, say) -> None:
    """The next lookup after a write nobody sees and after an approval, against a whole snapshot from scratch; the
    coverage after that approval, against the coverage from scratch."""
    point = (52.25, 5.22)
    message = Message("bench", "b@voorbeeld.invalid", "s", "b")
    _approval_after_start(row, say, store, buurten, point, message)
    _, scratch = _timed(lambda: Snapshot(buurten, store.list()))
    registry = Registry(buurten, store)
    first = registry.snapshot()
    _, coverage_scratch = _timed(first.coverage)
    area = store.list()[0].area
    group_id, _ = actions.register(
        store, Group(None, "Nieuw in de bench", area, "B", "b@voorbeeld.invalid"), lambda gid: message
    )
    pending = _next_lookup(registry, point)
    actions.confirm_email(store, group_id)
    actions.review(store, group_id, "bench", True, "", lambda group: message)
    approved = _next_lookup(registry, point)
    updated, coverage_update = _timed(registry.snapshot().coverage)
    fresh = Snapshot(buurten, store.list()).coverage()
    differ = sum(
        a.covered_m2 != b.covered_m2 or [g.id for g, _ in a.groups] != [g.id for g, _ in b.groups]
        for a, b in zip(updated, fresh)
    )
    row(f"anchor: whole snapshot from scratch ({len(buurten):,} buurten)", f"{scratch:.2f} s")
    row("pending registration → next lookup", f"{pending * 1e3:,.1f} ms", "target: rebuilds nothing")
    row(
        "approval → next lookup",
        f"{approved * 1e3:,.0f} ms",
        f"{approved / scratch * 100:.2f}% of from scratch; target ≤ 50 ms",
    )
    row("anchor: coverage of every buurt from scratch", f"{coverage_scratch:.2f} s")
    row(
        "approval → coverage again (only the buurten it touches)",
        f"{coverage_update * 1e3:,.0f} ms",
        f"{coverage_update / coverage_scratch * 100:.2f}% of from scratch; target ≤ 1 s",
    )
    row("coverage after the approval: buurten that differ from scratch", str(differ), "must be 0")
    say("approval_next_lookup", approved * 1e3, "ms", "figure <= 50 ms", scratch * 1e3)
    say("approval_coverage_again", coverage_update * 1e3, "ms", "figure <= 1000 ms", coverage_scratch * 1e3)
    say("coverage_after_approval_differs", differ, "buurten", "figure <= 0")


def _timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started
