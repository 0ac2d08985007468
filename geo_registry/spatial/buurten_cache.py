"""A copy of the wijken file as WKB, kept per version of that file, so that a process starts quickly: shapely
reads the binary copy about ten times faster than GDAL reads the GeoJSON (0.3 s against 3.7 s for 13,000 buurten),
and the shapes are bit for bit the same (WKB both ways). The GeoJSON stays the project's file; the copy is only a
cache. The copy is the project's own small format (a line of JSON with the fields and each shape's length, then the
shapes' WKB), read with shapely alone: reading it through GDAL (FlatGeobuf, until issue 24) imported pyogrio, which
imports geopandas and pandas, and cost every served process 1 s of CPU and 60 MiB it never used.

Beside it, per version of the file and set of served municipalities, the municipalities' outlines (the union of
their buurten: seconds of CPU at national size, made once and then only read, in milliseconds)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from pathlib import Path

import shapely
from shapely.geometry.base import BaseGeometry

from geo_registry.spatial.buurten import Buurt, load_buurten

log = logging.getLogger(__name__)
FIELDS = ["code", "name", "wijkcode", "gemeentecode"]
SUFFIX = ".buurten"  # the copy's own format (read_copy), not FlatGeobuf any more: a different name


def cache_name(path: Path) -> tuple[str, str]:
    """The cache file's name for this version of path, and the prefix every version of path shares."""
    info = os.stat(path)
    prefix = "buurten-" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    version = hashlib.sha256(f"{info.st_mtime_ns}:{info.st_size}:{info.st_ino}".encode()).hexdigest()[:12]
    return f"{prefix}-{version}{SUFFIX}", prefix


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
            return read_copy(cached)
        except Exception as error:  # a damaged copy: read the original and write the copy again
            log.warning("buurten cache %s unreadable (%s); reading %s", cached, error, path)
    buurten = load_buurten(path)
    try:
        write_copy(buurten, cached)
        for older in cached.parent.glob(prefix + "-*"):
            # an older version's copy and outlines, and the FlatGeobuf copy kept before issue 24
            if not older.name.startswith(cached.stem) or older.suffix == ".fgb":
                older.unlink(missing_ok=True)
    except OSError as error:
        log.warning("buurten cache not written to %s: %s", cache_dir, error)
    return buurten


def write_copy(buurten: list[Buurt], target: Path) -> None:
    """Write buurten to target in the copy's format, whole or not at all (a temporary file, then renamed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    blobs = shapely.to_wkb([b.geometry for b in buurten])
    rows = [[getattr(b, field) for field in FIELDS] + [len(blob)] for b, blob in zip(buurten, blobs)]
    try:
        with partial.open("wb") as handle:
            handle.write(json.dumps({"fields": FIELDS, "rows": rows}).encode() + b"\n")
            for blob in blobs:
                handle.write(blob)
        os.replace(partial, target)
    except Exception as error:
        partial.unlink(missing_ok=True)
        raise OSError(str(error)) from error


def read_copy(path: Path) -> list[Buurt]:
    """The buurten of a copy written by write_copy, in its order (sorted by code); ValueError when damaged."""
    with path.open("rb") as handle:
        header = json.loads(handle.readline())
        if header.get("fields") != FIELDS:
            raise ValueError(f"fields {header.get('fields')!r}")
        blobs = [handle.read(row[-1]) for row in header["rows"]]
        if any(len(blob) != row[-1] for blob, row in zip(blobs, header["rows"])) or handle.read(1):
            raise ValueError("not the length written")
    shapes = shapely.from_wkb(blobs)
    del blobs
    return [
        Buurt(code=code, name=name, wijkcode=wijkcode, gemeentecode=gemeentecode, geometry=geometry)
        for (code, name, wijkcode, gemeentecode, _), geometry in zip(header["rows"], shapes)
    ]


# Each municipality's outline by gemeentecode, and the outline of all of them together.
Outlines = tuple[dict[str, BaseGeometry], BaseGeometry]
WHOLE = ""  # the key of the outline of all the buurten together (no gemeentecode is empty)


class OutlineCopy:
    """The outlines of one version of the wijken file and one set of served municipalities, kept in a file:
    a line of JSON naming each part (gemeentecode and length), then the parts' WKB one after the other."""

    def __init__(self, target: Path):
        self.target = target

    @classmethod
    def of(cls, path: str | Path, cache_dir: str | Path | None, codes) -> OutlineCopy | None:
        """The copy for this version of path and these codes (None: every buurt), or None without a cache."""
        path = Path(path)
        if not cache_dir or not path.is_file():
            return None
        name, _ = cache_name(path)
        served = hashlib.sha256(repr(None if codes is None else sorted(codes)).encode()).hexdigest()[:8]
        return cls(Path(cache_dir) / f"{Path(name).stem}-outlines-{served}.wkb")

    def load(self) -> Outlines | None:
        """The outlines kept, or None when there are none (or they cannot be read: then they are made again)."""
        try:
            with self.target.open("rb") as handle:
                header = json.loads(handle.readline())
                blobs = [(code, handle.read(length)) for code, length in header["parts"]]
            if any(len(blob) != length for (_, blob), (_, length) in zip(blobs, header["parts"])):
                raise ValueError("cut short")
            shapes = dict(zip([code for code, _ in blobs], shapely.from_wkb([blob for _, blob in blobs])))
        except (FileNotFoundError, NotADirectoryError):
            return None
        except Exception as error:  # damaged: made again, as if it were not there
            log.warning("outlines %s unreadable (%s); making them again", self.target, error)
            return None
        whole = shapes.pop(WHOLE, None)
        if whole is None and len(shapes) == 1:  # one municipality: its outline is the whole
            whole = next(iter(shapes.values()))
        return (shapes, whole) if whole is not None and shapes else None

    def save(self, outlines: Outlines) -> None:
        """Keep outlines, whole or not at all (best effort: a folder that cannot be written only costs time)."""
        gemeenten, whole = outlines
        parts = list(gemeenten.items()) + ([] if len(gemeenten) == 1 else [(WHOLE, whole)])
        blobs = shapely.to_wkb([shape for _, shape in parts])
        partial = self.target.with_name(f".{self.target.name}.{os.getpid()}")
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            header = {"parts": [[code, len(blob)] for (code, _), blob in zip(parts, blobs)]}
            with partial.open("wb") as handle:
                handle.write(json.dumps(header).encode() + b"\n")
                for blob in blobs:
                    handle.write(blob)
            os.replace(partial, self.target)
        except OSError as error:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            log.warning("outlines not written to %s: %s", self.target, error)
