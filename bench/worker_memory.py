"""What a served worker holds at national size (issue 24), part by part: the resident memory (RSS, after giving
freed heap back to the system) a fresh process gains by making the app, reading the buurten from their fast copy,
indexing them, reading the outlines, reading the groups and indexing those. RSS, not tracemalloc: most of it is
GEOS's and numpy's memory, which tracemalloc does not see.

Run: .venv/bin/python bench/worker_memory.py [scale] (scale 10: a tenth of the national size)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The child: each step's RSS after it, in a process that has done nothing else.
CHILD = """
import json, os, sys
from pathlib import Path
from geo_registry.core.memory import release_freed_memory

def rss():
    release_freed_memory()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

steps = [("Python, before the app", rss())]
from geo_registry import create_app
from geo_registry.web import services
app = create_app()
steps.append(("the app made (modules, settings, engine)", rss()))
from geo_registry.spatial.buurten_cache import OutlineCopy, load_buurten_cached
from geo_registry.spatial.register import BuurtenBase, Snapshot, _prepared
from geo_registry.domain.groups import GroupStore
wijken, cache = os.environ["GEO_REGISTRY_WIJKEN_FILE"], os.environ["GEO_REGISTRY_BUURTEN_CACHE"]
buurten = load_buurten_cached(wijken, cache)
steps.append((f"the buurten ({len(buurten):,}), read from their fast copy", rss()))
base = BuurtenBase(buurten)
steps.append(("the buurten's point index", rss()))
outlines = _prepared(OutlineCopy.of(wijken, cache, None).load())
steps.append(("the outline (read from its copy, prepared)", rss()))
with app.app_context():
    groups = GroupStore(app.extensions["geo_registry.engine"]).list()
steps.append((f"the groups ({len(groups):,}), read from the database", rss()))
snapshot = Snapshot(base, groups)
steps.append(("the groups' point index", rss()))
answer = snapshot.answer(52.2, 5.3)
steps.append(("a lookup answered", rss()))
print(json.dumps(steps))
"""


def main() -> None:
    """Make the national register in a temporary folder, then measure a fresh process loading it."""
    import numpy as np

    sys.path.insert(0, str(ROOT / "bench"))
    from startup import _write_groups, _write_wijken
    from synthetic import NL_BOUNDS, group_areas, neighbourhoods

    from geo_registry.domain.groups import GroupStore, import_groups
    from geo_registry.spatial.buurten_cache import OutlineCopy, load_buurten_cached
    from geo_registry.spatial.register import BuurtenBase
    from geo_registry.store.db import make_engine, upgrade

    scale = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    rng = np.random.default_rng(20261126)
    buurten, groups = neighbourhoods(rng, 13_000 // scale), group_areas(rng, 20_000 // scale, NL_BOUNDS)
    folder = Path(tempfile.mkdtemp(prefix="geo-bench-memory-"))
    try:
        wijken, db_file, cache = folder / "wijken.geojson", folder / "register.sqlite3", folder / "cache"
        _write_wijken(wijken, buurten)
        engine = make_engine(f"sqlite:///{db_file}")
        upgrade(engine)
        _write_groups(folder / "groepen.geojson", groups)
        import_groups(GroupStore(engine), folder / "groepen.geojson")
        engine.dispose()
        base = BuurtenBase(load_buurten_cached(wijken, cache), outline_copy=OutlineCopy.of(wijken, cache, None))
        base.outlines()  # kept beside the fast copy, as the first process does
        env = dict(
            os.environ,
            GEO_REGISTRY_DATABASE_URL=f"sqlite:///{db_file}",
            GEO_REGISTRY_WIJKEN_FILE=str(wijken),
            GEO_REGISTRY_GEMEENTECODE=buurten[0].gemeentecode,
            GEO_REGISTRY_TILES="none",
            GEO_REGISTRY_PDOK_URL="",
            GEO_REGISTRY_SECRET_KEY="bench",
            GEO_REGISTRY_BUURTEN_CACHE=str(cache),
        )
        done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True)
        steps = json.loads(done.stdout.splitlines()[-1])
        before = 0.0
        for what, mib in steps:
            print(f"  {what:<55} {mib:7.0f} MiB  (+{mib - before:5.0f})")
            before = mib
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
