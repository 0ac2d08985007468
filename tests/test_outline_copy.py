"""The municipalities' outlines (a union of every buurt: seconds at national size) are made once per version of the
wijken file and kept beside its fast copy: a process that starts later reads them and makes nothing, so an
approval in its first seconds costs what one costs later (issue 24)."""

from __future__ import annotations

import logging
import shutil

import pytest
import shapely
from db_templates import fresh_sqlite
from helpers import make_app

from geo_registry.core.config import ROOT
from geo_registry.domain.groups import GroupStore
from geo_registry.spatial import register
from geo_registry.spatial.buurten import gemeente_shape
from geo_registry.spatial.gemeenten import BuurtenFile
from geo_registry.spatial.register import Registry
from geo_registry.store.db import make_engine

BEL = ROOT / "data" / "bel_wijken.geojson"  # three municipalities: three outlines and their whole


@pytest.fixture
def store(tmp_path):
    """An empty register on SQLite."""
    url = f"sqlite:///{tmp_path / 'register.sqlite3'}"
    fresh_sqlite(url)  # a migrated database
    engine = make_engine(url)
    yield GroupStore(engine)
    engine.dispose()


def never_made(monkeypatch):
    """Make any union of buurten in this process fail the test."""

    def refuse(buurten):
        raise AssertionError("an outline was made, not read")

    monkeypatch.setattr(register, "gemeente_shape", refuse)


def started(path, cache, store, codes=None, warm=True) -> Registry:
    """A registry as a server process starts it (warm: making outlines in the background), after its first
    lookup."""
    registry = Registry(BuurtenFile(path, codes, cache), store, warm_outlines=warm)
    registry.snapshot().answer(52.25, 5.22)
    return registry


def test_the_first_process_keeps_the_outlines_and_a_later_one_reads_them(tmp_path, store, monkeypatch):
    source, cache = tmp_path / "wijken.geojson", tmp_path / "cache"
    shutil.copy(BEL, source)
    first = started(source, cache, store).snapshot().base
    first.warm_up().join()
    made = first.outlines()
    assert len(list(cache.glob("*-outlines-*.wkb"))) == 1
    never_made(monkeypatch)
    later = started(source, cache, store).snapshot().base
    assert later.outlines_ready  # at once, before any warm-up
    assert later.warm_up() is None  # nothing left to make
    assert later.gemeenten.keys() == made[0].keys() == {"GM0317", "GM0376", "GM0417"}
    for code, outline in later.gemeenten.items():
        assert outline.equals_exact(made[0][code], 0)  # bit for bit what the union gave
        assert shapely.is_prepared(outline)
    assert later.gemeente.equals_exact(gemeente_shape(first.buurten), 0)
    assert shapely.is_prepared(later.gemeente)


def test_one_municipality_keeps_one_outline_that_is_also_the_whole(tmp_path, store, monkeypatch):
    source, cache = tmp_path / "wijken.geojson", tmp_path / "cache"
    shutil.copy(BEL, source)
    first = started(source, cache, store, codes={"GM0417"}).snapshot().base
    made = first.outlines()
    never_made(monkeypatch)
    later = started(source, cache, store, codes={"GM0417"}).snapshot().base
    assert later.outlines_ready and list(later.gemeenten) == ["GM0417"]
    assert later.gemeente is later.gemeenten["GM0417"]
    assert later.gemeente.equals_exact(made[1], 0)


def test_other_municipalities_of_the_same_file_have_outlines_of_their_own(tmp_path, store):
    source, cache = tmp_path / "wijken.geojson", tmp_path / "cache"
    shutil.copy(BEL, source)
    started(source, cache, store, codes={"GM0417"}).snapshot().base.outlines()
    both = started(source, cache, store, codes={"GM0417", "GM0376"}, warm=False).snapshot().base
    assert not both.outlines_ready  # Laren's outline alone is not theirs
    assert set(both.gemeenten) == {"GM0376", "GM0417"}
    assert len(list(cache.glob("*-outlines-*.wkb"))) == 2


def test_a_changed_file_gets_new_outlines_and_the_old_ones_go(tmp_path, store):
    source, cache = tmp_path / "wijken.geojson", tmp_path / "cache"
    shutil.copy(BEL, source)
    started(source, cache, store).snapshot().base.outlines()
    [old] = cache.glob("*-outlines-*.wkb")
    shutil.copy(ROOT / "data" / "wijken.geojson", source)  # import-wijken (or a person) replaces the file
    base = started(source, cache, store, warm=False).snapshot().base
    assert not base.outlines_ready
    assert list(base.gemeenten) == ["GM0417"]
    assert not old.exists()
    assert len(list(cache.glob("*-outlines-*.wkb"))) == 1


@pytest.mark.parametrize("damage", [b"", b"{not json\n", b'{"parts": [["GM0417", 999999]]}\n\x01\x03'])
def test_damaged_outlines_are_made_again(tmp_path, store, caplog, damage):
    source, cache = tmp_path / "wijken.geojson", tmp_path / "cache"
    shutil.copy(BEL, source)
    made = started(source, cache, store).snapshot().base.outlines()
    [kept] = cache.glob("*-outlines-*.wkb")
    kept.write_bytes(damage)
    with caplog.at_level(logging.WARNING, logger="geo_registry.spatial.buurten_cache"):
        base = started(source, cache, store, warm=False).snapshot().base
        assert not base.outlines_ready
        assert base.gemeente.equals_exact(made[1], 0)
    assert "unreadable" in caplog.text
    assert started(source, cache, store).snapshot().base.outlines_ready  # kept whole again


def test_a_folder_that_cannot_be_written_only_means_making_them(tmp_path, store, caplog):
    source, blocked = tmp_path / "wijken.geojson", tmp_path / "cache"
    shutil.copy(BEL, source)
    blocked.write_text("a file where the folder should be")
    with caplog.at_level(logging.WARNING, logger="geo_registry.spatial.buurten_cache"):
        assert set(started(source, blocked, store).snapshot().base.gemeenten) == {"GM0317", "GM0376", "GM0417"}
    assert "not written" in caplog.text
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # nothing half-written


def test_import_wijken_keeps_the_outlines_the_app_reads(tmp_path, monkeypatch):
    target = tmp_path / "mijn_wijken.geojson"
    app = make_app(tmp_path, WIJKEN_FILE=str(target), BUURTEN_CACHE=str(tmp_path / "kopie"))
    result = app.test_cli_runner().invoke(
        args=["import-wijken", str(ROOT / "data" / "cbs" / "laren_buurten_2025_rd.geojson")]
    )
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "kopie").glob("*-outlines-*.wkb"))) == 1  # before any server process starts
    never_made(monkeypatch)
    with app.app_context():
        from geo_registry.web import services

        base = services.current().registry.snapshot().base
        assert base.outlines_ready
        assert list(base.gemeenten) == ["GM0417"]
