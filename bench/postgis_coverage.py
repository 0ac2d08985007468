"""The PostGIS anchor of the coverage row (issue 11): the covered area of every buurt computed by PostGIS in a
throwaway cluster on the same machine, from the same shapes.

The buurten and groups are loaded in RD New (EPSG:28992) as the app reprojects them (`coverage.to_rd_many`), so both
sides measure the same coordinates and PostGIS spends no time reprojecting (the app's figure includes its
reprojection). With a GiST index on both tables, per buurt: the union of the groups that meet it, intersected with
the buurt, its area; buurten no group meets are covered 0 m². That query is the anchor's time. The figures compared
with ours come from a second query, run once, that leaves out the slivers as the app does (`coverage.Sliver`: a
group's piece of a buurt under 100 m² and under 1% of it counts for nothing), so the comparison is of the same
definition; the timed query is the classic one, which does not measure each piece.

    .venv/bin/python bench/postgis_coverage.py [scale]   # this row alone, national size / scale
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import shapely
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the throwaway PostgreSQL cluster of the tests

from geo_registry.spatial.coverage import BuurtenRD, Sliver, compute_coverage, to_rd_many  # noqa: E402

COVERED = """
    SELECT b.code, ST_Area(ST_Intersection(b.geom, ST_Union(g.geom))) AS covered
    FROM buurten b JOIN groups g ON ST_Intersects(b.geom, g.geom)
    GROUP BY b.code, b.geom
"""
# The same coverage without the slivers the app leaves out (coverage.Sliver): each group's piece of the buurt,
# measured, kept when it is 100 m² or more, or 1% of the buurt or more.
COVERED_WITHOUT_SLIVERS = """
    SELECT code, ST_Area(ST_Union(piece)) AS covered FROM (
        SELECT b.code, ST_Intersection(b.geom, g.geom) AS piece, ST_Area(b.geom) AS buurt_m2
        FROM buurten b JOIN groups g ON ST_Intersects(b.geom, g.geom)
    ) pieces
    WHERE NOT (ST_Area(piece) < %(max_m2)s AND ST_Area(piece) / buurt_m2 < %(max_share)s)
    GROUP BY code
"""
RUNS = 3


def _load(conn, buurten, groups) -> None:
    """The shapes in RD New, with GiST indexes and fresh statistics."""
    conn.exec_driver_sql("CREATE TABLE buurten (code text PRIMARY KEY, geom geometry(Geometry, 28992) NOT NULL)")
    conn.exec_driver_sql("CREATE TABLE groups (id integer PRIMARY KEY, geom geometry(Geometry, 28992) NOT NULL)")
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy("COPY buurten (code, geom) FROM STDIN") as copy:
        for buurt, shape in zip(buurten, to_rd_many([b.geometry for b in buurten])):
            copy.write_row((buurt.code, shapely.to_wkb(shape, hex=True, include_srid=False)))
    with cursor.copy("COPY groups (id, geom) FROM STDIN") as copy:
        for group, shape in zip(groups, to_rd_many([g.area for g in groups])):
            copy.write_row((group.id, shapely.to_wkb(shape, hex=True)))
    conn.exec_driver_sql("UPDATE buurten SET geom = ST_SetSRID(geom, 28992)")
    conn.exec_driver_sql("UPDATE groups SET geom = ST_SetSRID(geom, 28992)")
    conn.exec_driver_sql("CREATE INDEX buurten_geom ON buurten USING gist (geom)")
    conn.exec_driver_sql("CREATE INDEX groups_geom ON groups USING gist (geom)")
    conn.exec_driver_sql("ANALYZE buurten")
    conn.exec_driver_sql("ANALYZE groups")


def postgis_coverage(buurten, groups, runs: int = RUNS) -> tuple[float, dict[str, float]] | None:
    """The median seconds of `runs` runs of COVERED, and the covered m² per buurt code without the slivers (as the
    app counts it); None without PostgreSQL."""
    from pgcluster import Cluster, server_bin

    if server_bin() is None:
        return None
    cluster = Cluster().start()
    try:
        engine = sa.create_engine(cluster.url(cluster.new_database(migrated=False)), poolclass=sa.pool.NullPool)
        with engine.begin() as conn:
            _load(conn, buurten, groups)
        seconds, covered = [], {}
        with engine.connect() as conn:
            for _ in range(runs):
                started = time.perf_counter()
                conn.exec_driver_sql(COVERED).all()
                seconds.append(time.perf_counter() - started)
            sliver = Sliver()
            rows = conn.exec_driver_sql(
                COVERED_WITHOUT_SLIVERS, {"max_m2": sliver.max_m2, "max_share": sliver.max_share}
            ).all()
            covered = {b.code: 0.0 for b in buurten} | {code: float(m2) for code, m2 in rows}
        engine.dispose()
        return statistics.median(seconds), covered
    finally:
        cluster.stop()


def differing(ours, theirs: dict[str, float]) -> int:
    """How many buurten's covered m² differ by more than 1 m² and 0.01% between our coverage and PostGIS's."""
    return sum(1 for c in ours if abs(c.covered_m2 - theirs[c.buurt.code]) > max(1.0, 1e-4 * c.covered_m2))


def postgis_rows(
    row, label: str, buurten, groups, ours, our_seconds: float, points=None, say=None, runs: int = RUNS
) -> None:
    """The PostGIS anchor's rows: its time, our time against it, and the buurten whose figures differ; with say,
    the verdicts (and, for a short run, not the two extra runs of ours)."""
    anchor = postgis_coverage(buurten, groups, runs)
    if anchor is None:
        row(f"{label}: anchor: PostGIS", "skipped", "PostgreSQL/PostGIS not installed (make postgres)")
        return
    seconds, covered = anchor
    if say is not None:
        say("coverage_from_scratch", our_seconds, "s", "ratio <= 1", seconds)
        say("coverage_differs_from_postgis", differing(ours, covered), "buurten", "figure <= 0")
    if runs < RUNS:
        row(f"{label}: anchor: PostGIS ST_Union per buurt, GiST ({runs} run)", f"{seconds:.2f} s")
        return
    started = time.perf_counter()
    compute_coverage(buurten, groups)  # the same work as PostGIS's: areas only, no addresses
    areas_only = time.perf_counter() - started
    row(
        f"{label}: anchor: PostGIS ST_Union per buurt, GiST (median of {runs})",
        f"{seconds:.2f} s",
        f"ours {our_seconds:.2f} s = {our_seconds / seconds:.2f}x PostGIS; target ≤ 1x",
    )
    row(
        f"{label}: ours, areas only (no addresses), as PostGIS",
        f"{areas_only:.2f} s",
        f"{areas_only / seconds:.2f}x PostGIS",
    )
    # PostGIS holds the buurten in RD New in its table; a process holds them so too (BuurtenRD, made once per
    # process and kept by every snapshot), so coverage from scratch in the app does not reproject them.
    held = BuurtenRD(buurten)
    _ = held.rd  # made here, as a process makes it once, outside the timing
    started = time.perf_counter()
    compute_coverage(buurten, groups, points, held)
    kept = time.perf_counter() - started
    row(
        f"{label}: ours, the buurten in RD New as a process holds them, with addresses",
        f"{kept:.2f} s",
        f"{kept / seconds:.2f}x PostGIS; target ≤ 1x",
    )
    row(
        f"{label}: buurten whose covered m² differ from PostGIS (> 1 m² and > 0.01%)",
        str(differing(ours, covered)),
        "must be 0",
    )


if __name__ == "__main__":
    import numpy as np

    sys.path.insert(0, str(Path(__file__).parent))
    from benchmark import row
    from synthetic import NL_BOUNDS, group_areas, neighbourhoods, points_in

    scale = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    rng = np.random.default_rng(20261126)
    national = neighbourhoods(rng, 13_000 // scale)
    national_groups = group_areas(rng, 20_000 // scale, NL_BOUNDS)
    points = points_in(rng, 100_000 // scale, NL_BOUNDS)
    started = time.perf_counter()
    result = compute_coverage(national, national_groups, points)
    ours = time.perf_counter() - started
    row(f"national/{scale}: coverage of {len(national)} buurten, {len(points[0]):,} adressen (ours)", f"{ours:.2f} s")
    postgis_rows(row, f"national/{scale}", national, national_groups, result, ours, points)
