"""The wijken file's fast copy (WKB, per version of the file): the same buurten bit for bit, made again when
the file changes, and never in the way (a damaged copy or a folder that cannot be written only costs time)."""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import replace

import pytest
from helpers import make_app

from geo_registry.core.config import ROOT
from geo_registry.spatial.buurten import load_buurten
from geo_registry.spatial.buurten_cache import load_buurten_cached, read_copy, write_copy

SHIPPED = [ROOT / "data" / "wijken.geojson", ROOT / "data" / "bel_wijken.geojson"]


def same(first, second) -> bool:
    """The same buurten: every field, and every shape coordinate for coordinate."""
    return len(first) == len(second) and all(
        (a.code, a.name, a.wijkcode, a.gemeentecode) == (b.code, b.name, b.wijkcode, b.gemeentecode)
        and a.geometry.equals_exact(b.geometry, 0)
        and a.geometry.geom_type == b.geometry.geom_type
        for a, b in zip(first, second)
    )


@pytest.mark.parametrize("shipped", SHIPPED, ids=lambda p: p.name)
def test_the_copy_holds_the_same_buurten_bit_for_bit(tmp_path, shipped):
    source = tmp_path / shipped.name
    shutil.copy(shipped, source)
    first = load_buurten_cached(source, tmp_path / "cache")
    copies = list((tmp_path / "cache").glob("*.buurten"))
    assert len(copies) == 1
    assert same(first, load_buurten(source))
    assert same(load_buurten_cached(source, tmp_path / "cache"), load_buurten(source))


def test_a_later_load_reads_the_copy(tmp_path):
    source = tmp_path / "wijken.geojson"
    shutil.copy(SHIPPED[0], source)
    buurten = load_buurten_cached(source, tmp_path / "cache")
    [copy] = (tmp_path / "cache").glob("*.buurten")
    # Mark the copy: what comes back carries the mark, so it was read from the copy, not from the file.
    write_copy([replace(b, name=b.name + " (kopie)") for b in buurten], copy)
    assert {b.name for b in load_buurten_cached(source, tmp_path / "cache")} == {b.name + " (kopie)" for b in buurten}


def test_a_changed_file_is_read_again_and_its_old_copy_removed(tmp_path):
    source = tmp_path / "wijken.geojson"
    shutil.copy(SHIPPED[0], source)
    load_buurten_cached(source, tmp_path / "cache")
    [old_copy] = (tmp_path / "cache").glob("*.buurten")
    shutil.copy(SHIPPED[1], source)  # import-wijken (or a person) replaces the file
    assert same(load_buurten_cached(source, tmp_path / "cache"), load_buurten(SHIPPED[1]))
    [new_copy] = (tmp_path / "cache").glob("*.buurten")
    assert new_copy != old_copy


def test_a_damaged_copy_is_passed_over_and_made_again(tmp_path, caplog):
    source = tmp_path / "wijken.geojson"
    shutil.copy(SHIPPED[0], source)
    load_buurten_cached(source, tmp_path / "cache")
    [copy] = (tmp_path / "cache").glob("*.buurten")
    copy.write_bytes(b"fgb\x03" + os.urandom(200))
    with caplog.at_level(logging.WARNING, logger="geo_registry.spatial.buurten_cache"):
        assert same(load_buurten_cached(source, tmp_path / "cache"), load_buurten(source))
    assert "unreadable" in caplog.text
    assert same(read_copy(copy), load_buurten(source))  # written whole again


def test_a_folder_that_cannot_be_written_only_means_no_copy(tmp_path, caplog):
    source = tmp_path / "wijken.geojson"
    shutil.copy(SHIPPED[0], source)
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the folder should be")
    with caplog.at_level(logging.WARNING, logger="geo_registry.spatial.buurten_cache"):
        assert same(load_buurten_cached(source, blocked), load_buurten(source))
    assert "not written" in caplog.text
    assert not list(tmp_path.glob(".*.buurten*")) and not list(
        tmp_path.glob("*.buurten")
    )  # nothing half-written beside it


def test_the_app_and_import_wijken_keep_the_copy_in_the_configured_folder(tmp_path):
    target = tmp_path / "mijn_wijken.geojson"
    app = make_app(tmp_path, WIJKEN_FILE=str(target), BUURTEN_CACHE=str(tmp_path / "kopie"))
    result = app.test_cli_runner().invoke(
        args=["import-wijken", str(ROOT / "data" / "cbs" / "laren_buurten_2025_rd.geojson")]
    )
    assert result.exit_code == 0, result.output
    [copy] = (tmp_path / "kopie").glob("*.buurten")  # made by the import, before any server process starts
    assert same(read_copy(copy), load_buurten(target))
    lat, lon = 52.2565, 5.2270
    answer = app.test_client().get(f"/api/v1/lookup?lat={lat}&lon={lon}").get_json()
    assert answer["in_gemeente"] is True
