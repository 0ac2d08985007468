"""A copy of the wijken file in FlatGeobuf, kept per version of that file, so that a process starts quickly: GDAL
reads the binary copy about ten times faster than the GeoJSON (0.3 s against 3.7 s for 13,000 buurten), and the
shapes are bit for bit the same (WKB both ways). The GeoJSON stays the project's file; the copy is only a cache."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import numpy as np
import pyogrio
import shapely

from geo_registry.spatial.buurten import Buurt, load_buurten

log = logging.getLogger(__name__)
FIELDS = ["code", "name", "wijkcode", "gemeentecode"]


def cache_name(path: Path) -> tuple[str, str]:
    """The cache file's name for this version of path, and the prefix every version of path shares."""
    info = os.stat(path)
    prefix = "buurten-" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    version = hashlib.sha256(f"{info.st_mtime_ns}:{info.st_size}:{info.st_ino}".encode()).hexdigest()[:12]
    return f"{prefix}-{version}.fgb", prefix


def load_buurten_cached(path: str | Path, cache_dir: str | Path | None) -> list[Buurt]:
    """load_buurten(path), read from the cached copy when it is there for this version of the file; written
    when it is not (best effort: a folder that cannot be written only means a slower start)."""
    path = Path(path)
    if not cache_dir or not path.is_file():
        return load_buurten(path)
    name, prefix = cache_name(path)
    cached = Path(cache_dir) / name
    if cached.is_file():
        try:
            return load_buurten(cached)
        except Exception as error:  # a damaged copy: read the original and write the copy again
            log.warning("buurten cache %s unreadable (%s); reading %s", cached, error, path)
    buurten = load_buurten(path)
    try:
        write_copy(buurten, cached)
        for older in cached.parent.glob(prefix + "-*.fgb"):
            if older != cached:
                older.unlink(missing_ok=True)
    except OSError as error:
        log.warning("buurten cache not written to %s: %s", cache_dir, error)
    return buurten


def write_copy(buurten: list[Buurt], target: Path) -> None:
    """Write buurten to target as FlatGeobuf, whole or not at all (a temporary file, then renamed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.stem}.{os.getpid()}.fgb")
    try:
        pyogrio.raw.write(
            str(partial),
            shapely.to_wkb([b.geometry for b in buurten]),
            [np.array([getattr(b, field) for b in buurten], dtype=object) for field in FIELDS],
            FIELDS,
            driver="FlatGeobuf",
            geometry_type="Unknown",
            crs="EPSG:4326",
            SPATIAL_INDEX="NO",
        )
        os.replace(partial, target)
    except Exception as error:
        partial.unlink(missing_ok=True)
        raise OSError(str(error)) from error
