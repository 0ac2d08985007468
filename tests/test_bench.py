"""The benchmark's synthetic data and its index agree with a naive scan (correctness only, no timing)."""

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from synthetic import NL_BOUNDS, group_areas, neighbourhoods, points_in  # noqa: E402

from geo_registry.spatial.register import Snapshot  # noqa: E402

pytestmark = pytest.mark.slow  # the benchmarks' own scripts, run for real


def test_synthetic_country_is_valid_and_the_index_matches_a_scan():
    rng = np.random.default_rng(7)
    buurten = neighbourhoods(rng, 150)
    groups = group_areas(rng, 300, NL_BOUNDS, radius=(2_000, 9_000))
    assert len(buurten) == 150 and all(w.geometry.is_valid for w in buurten)
    assert all(g.area.is_valid and g.area.geom_type in ("Polygon", "MultiPolygon") for g in groups)
    assert np.median([shapely.get_num_coordinates(w.geometry) for w in buurten]) > 50  # realistic, not boxes
    snapshot = Snapshot(buurten, groups)
    hits = 0
    for lon, lat in zip(*points_in(rng, 400, NL_BOUNDS)):
        point = shapely.Point(lon, lat)
        expected = [g for g in groups if g.area.intersects(point)]
        assert snapshot.group_index.at(point) == expected
        hits += bool(expected)
        assert len(snapshot.answer(lat, lon).buurten) >= 1  # the cells tile the whole country
    assert hits > 10


def test_the_import_and_update_rows_run_and_an_approval_is_answered(tmp_path):
    from updates import bench_import_and_updates
    from verdict import parse, verdict

    rows, lines = [], []
    rng = np.random.default_rng(11)
    say = lambda *cells: lines.append(verdict(*cells).line())  # noqa: E731
    bench_import_and_updates(lambda *cells: rows.append(cells), rng, neighbourhoods(rng, 60), 300, say)
    names = [cells[0] for cells in rows]
    assert "import-groups: per-group time, large / small" in names
    assert "pending registration → next lookup" in names and "approval → next lookup" in names
    said = {parse(line).key: parse(line) for line in lines}
    assert {"approval_after_start_next_lookup", "approval_next_lookup", "import_groups"} <= set(said)
    assert said["coverage_after_approval_differs"].met and said["coverage_after_approval_differs"].figure == 0


def test_the_start_up_rows_run_against_the_minimal_server():
    """bench/startup.py, and with it bench/national_http.py: the HTTP ratio and the memory after load are verdict
    lines of their own (issue 24)."""
    from benchmark import free_port
    from national_http import bench_national_http
    from startup import bench_startup
    from verdict import parse, verdict

    rows, lines = [], []
    rng = np.random.default_rng(5)
    buurten = neighbourhoods(rng, 40)
    row = lambda *cells: rows.append(cells)  # noqa: E731
    say = lambda *cells: lines.append(verdict(*cells).line())  # noqa: E731
    box = tuple(shapely.bounds(shapely.union_all([b.geometry for b in buurten])))

    def national_http(folder, env, point, anchor_mib):
        bench_national_http(row, say, folder, env, box, point, free_port, anchor_mib, quick=True)

    bench_startup(row, buurten, group_areas(rng, 50, NL_BOUNDS), free_port, settle=0.5, say=say, then=national_http)
    names = [cells[0] for cells in rows]
    assert "geo-registry serve --workers 1, start → first lookup" in names
    assert "geo-registry serve --workers 1, memory after the first lookup" in names
    assert any(name.startswith("anchor: minimal server, start → first lookup") for name in names)
    said = {parse(line).key: parse(line) for line in lines}
    assert {"start_to_first_lookup", "memory_after_start"} <= set(said)
    if shutil.which("wrk"):  # make bench installs it
        assert {"http_lookup_vs_ping_national", "memory_per_worker_after_load"} <= set(said)
        assert 0 < said["http_lookup_vs_ping_national"].figure < 10
        assert 50 < said["memory_per_worker_after_load"].figure < 2_000  # MiB of one worker, not of the machine


def test_the_writes_anchor_replays_what_the_app_did(tmp_path):
    """bench/writes.py: the SQL captured from one registration through the app, replayed on a copy of the database,
    writes new registrations (one per replay, each with its own name) and nothing half."""
    import sqlite3

    from writes import KINDS, capture, copy_database, environment, replay

    from geo_registry.store.db import make_engine, upgrade

    source = tmp_path / "app.sqlite3"
    upgrade(make_engine(f"sqlite:///{source}"))
    copy_database(source, tmp_path / "anchor.sqlite3")
    steps = capture(environment(f"sqlite:///{source}", tmp_path), KINDS["registration"])
    writes = [step[0].split()[0] for step in steps if not step[0].startswith("SELECT")]
    assert writes[-4:] == ["INSERT", "INSERT", "INSERT", "COMMIT"], steps
    done = replay(f"sqlite:///{tmp_path / 'anchor.sqlite3'}", steps, 0.5, 2, iter(range(1, 10**6)))
    with sqlite3.connect(tmp_path / "anchor.sqlite3") as conn:
        names = [row[0] for row in conn.execute("SELECT name FROM groups")]
        audits = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        mails = conn.execute("SELECT count(*) FROM mail_outbox").fetchone()[0]
    conn.close()
    assert done > 0 and len(names) == len(set(names)) == audits == mails == done


def test_the_request_cost_driver_answers_both_endpoints_and_its_dumps_are_read_in_order(tmp_path, monkeypatch):
    """bench/request_cost.py: the driver valgrind runs calls the app with 200 answers for ping and lookup (it
    raises on any other), and the counts are read from callgrind's dumps in the order they were made, leaving
    out the near-empty ones."""
    from helpers import WIJKEN_FILE
    from request_cost import drive, dump_totals, laren_register

    from geo_registry.spatial.buurten import load_buurten

    url = laren_register(tmp_path, np.random.default_rng(1), load_buurten(WIJKEN_FILE), groups=20)
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "TILES", "PDOK_URL", "SECRET_KEY", "MAIL_OUTBOX"):
        monkeypatch.setenv(f"GEO_REGISTRY_{name}", "")  # the driver sets them; undone after the test
    drive(url, 30, ["ping", "lookup"])
    for part, total in ((10, 4_000_000), (2, 3_000_000), (1, 475), (3, 6_000_000)):
        (tmp_path / f"callgrind.123.{part}").write_text(f"events: Ir\nsummary: {total}\ntotals: {total}\n")
    assert dump_totals(tmp_path) == [3_000_000, 6_000_000, 4_000_000]


def test_a_verdict_line_reads_back_and_its_verdict_follows_from_its_figures():
    """bench/verdict.py: every row's line has the seven tab-separated fields a script reads; met or missed is what
    the target says of the figure (or of the ratio to the anchor)."""
    from verdict import judge, parse, verdict

    made = [
        verdict("coverage_from_scratch", 12.5, "s", "ratio <= 1", 16.0),
        verdict("coverage_from_scratch", 17.5, "s", "ratio <= 1", 16.0),
        verdict("approval_after_start_next_lookup", 12.0, "ms", "figure <= 50 ms"),
        verdict("registrations_per_second_http", 48.2, "/s", "figure >= 100 /s", 7230.0),
        verdict("lookup_differs_from_naive_national", 0, "answers", "figure <= 0"),
    ]
    assert [v.met for v in made] == [True, False, True, False, True]
    for one in made:
        line = one.line()
        assert line.startswith("verdict\t") and line.count("\t") == 6 and "\n" not in line
        back = parse(line)
        assert (back.key, back.unit, back.target, back.met) == (one.key, one.unit, one.target, one.met)
        assert back.figure == pytest.approx(one.figure, rel=1e-5)
        assert back.met == judge(back.figure, back.ratio, back.target)
    assert parse(made[0].line()).ratio == pytest.approx(12.5 / 16, rel=1e-3)
    assert parse(made[2].line()).anchor is None and parse(made[2].line()).ratio is None
    assert made[0].line().split("\t")[2:] == ["12.5 s", "16 s", "0.7812", "ratio <= 1", "met"]
    with pytest.raises(ValueError):
        judge(1.0, None, "figure about 50 ms")
    with pytest.raises(ValueError):
        parse("coverage\t12 s\t-\t-\tfigure <= 50 s\tmet")


def test_the_request_path_rows_run_and_a_process_started_later_reads_the_outlines(monkeypatch):
    import request_path
    from benchmark import free_port

    monkeypatch.setattr(request_path, "LOAD_SECONDS", 1)
    rows = []
    rng = np.random.default_rng(5)
    request_path.bench_request_path(
        lambda *cells: rows.append(cells), neighbourhoods(rng, 40), group_areas(rng, 50, NL_BOUNDS), free_port, 1
    )
    names = [cells[0] for cells in rows]
    assert "approval right after start → next lookup (a later process)" in names
    assert "memory per worker after a minute of lookups (largest)" in names or any("skipped" in c for c in rows)
