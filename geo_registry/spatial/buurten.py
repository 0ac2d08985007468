"""Neighbourhoods (CBS buurten): import from CBS files and load the project's wijken.geojson."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import shapely
from shapely.geometry.base import BaseGeometry

from geo_registry.core.errors import ImportRefused
from geo_registry.core.geometry import RD_NEW, WGS84, area_m2, reproject

if TYPE_CHECKING:  # imported where a CBS file is read or written: a served process reads only the fast copy
    import geopandas as gpd

# Both CBS layouts mapped to the project's own field names, in one place.
LAYOUTS = {
    "wijkbuurtkaart": {
        "buurtcode": "code",
        "buurtnaam": "name",
        "wijkcode": "wijkcode",
        "gemeentecode": "gemeentecode",
        "gemeentenaam": "gemeentenaam",
    },
    "gegeneraliseerd": {"statcode": "code", "statnaam": "name", "gmCode": "gemeentecode"},
}
OVERLAP_TOLERANCE_M2 = 1.0
# Buurten already in the wijken file were rounded to 7 decimals (about 1 cm): along a border of kilometres
# that is tens of square metres of seeming overlap with the next municipality's fresh shapes.
KEPT_OVERLAP_TOLERANCE_M2 = 100.0


@dataclass(frozen=True)
class Buurt:
    """One neighbourhood (CBS buurt) with its WGS84 shape."""

    code: str
    name: str
    wijkcode: str
    gemeentecode: str
    geometry: BaseGeometry

    @property
    def area_m2(self) -> float:
        """Area in square metres (RD New)."""
        return area_m2(self.geometry)


def normalise_gemeentecode(code: str) -> str:
    """Return a gemeentecode as GM plus four digits ('417', '0417' and 'gm0417' give 'GM0417')."""
    digits = re.sub(r"\D", "", str(code or ""))
    if not digits or len(digits) > 4:
        raise ValueError(f"ongeldige gemeentecode: {code!r}")
    return "GM" + digits.zfill(4)


def read_cbs(path: str | Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a CBS buurten file (GeoJSON or WijkBuurtkaart GeoPackage) into the project's fields."""
    import geopandas as gpd  # here, not at the top: pandas and geopandas cost a served process 1 s and 60 MiB
    import pyogrio

    path = Path(path)
    if not path.exists():
        raise ImportRefused(f"Bestand niet gevonden: {path}")
    if layer is None and path.suffix.lower() == ".gpkg":
        layers = [name for name, _ in pyogrio.list_layers(path)]
        layer = "buurten" if "buurten" in layers else None
        if layer is None:
            raise ImportRefused(f"{path.name} heeft geen laag 'buurten' (wel: {', '.join(layers)})")
    frame = gpd.read_file(path, layer=layer, engine="pyogrio")
    for fields in LAYOUTS.values():
        if {"buurtcode", "statcode"} & set(frame.columns) and set(fields) - {"gemeentenaam"} <= set(frame.columns):
            frame = frame.rename(columns=fields)
            break
    else:
        raise ImportRefused(
            f"{path.name} heeft niet de velden van een CBS-buurtenbestand "
            "(buurtcode/buurtnaam/wijkcode/gemeentecode of statcode/statnaam/gmCode)"
        )
    if frame.crs is None:
        raise ImportRefused(f"{path.name} zegt niet in welk coördinatenstelsel het staat")
    return frame


def prepare_buurten(frame: gpd.GeoDataFrame, gemeentecode: str) -> gpd.GeoDataFrame:
    """Filter one municipality, check the shapes and return them in WGS84 with the project's fields."""
    code = normalise_gemeentecode(gemeentecode)
    frame = frame[frame["gemeentecode"].map(lambda c: normalise_gemeentecode(c) == code)].copy()
    if frame.empty:
        raise ImportRefused(f"Geen buurten met gemeentecode {code} in dit bestand")
    if "wijkcode" not in frame.columns:
        frame["wijkcode"] = frame["code"].map(lambda c: "WK" + str(c)[2:8])
    frame["gemeentecode"] = code
    check_shapes(frame)
    rd = frame.to_crs(RD_NEW)
    check_no_overlap(rd)
    frame = rd.to_crs(WGS84)
    frame["area_ha"] = (rd.geometry.area / 10_000).round(1).values
    columns = ["code", "name", "wijkcode", "gemeentecode", "area_ha"]
    if "gemeentenaam" in frame.columns:
        columns.insert(4, "gemeentenaam")
    return frame[columns + ["geometry"]].sort_values("code").reset_index(drop=True)


def _label(row) -> str:
    return f"{row['code']} ({row['name']})"


def check_shapes(frame: gpd.GeoDataFrame) -> None:
    """Refuse features that are not valid, non-empty polygons, naming the first offender."""
    for _, row in frame.iterrows():
        geom = row.geometry
        if geom is None or geom.is_empty:
            raise ImportRefused(f"Buurt {_label(row)} heeft geen vorm")
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise ImportRefused(f"Buurt {_label(row)} is geen vlak maar een {geom.geom_type}")
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            raise ImportRefused(f"Buurt {_label(row)} heeft een ongeldige vorm: {reason}")


def check_no_overlap(rd: gpd.GeoDataFrame, tolerance_m2: float = OVERLAP_TOLERANCE_M2) -> None:
    """Refuse buurten that overlap each other by more than tolerance_m2 (touching is fine)."""
    geoms = rd.geometry.values
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    for i, j in zip(left, right):
        if i < j:
            overlap = geoms[i].intersection(geoms[j]).area
            if overlap > tolerance_m2:
                raise ImportRefused(
                    f"Buurt {_label(rd.iloc[i])} overlapt buurt {_label(rd.iloc[j])} ({overlap:.0f} m²)"
                )


def import_buurten(source: str | Path, gemeentecode, target: str | Path, layer: str | None = None) -> int:
    """Import municipalities' buurten from a CBS file into a WGS84 GeoJSON file; return the count imported.

    gemeentecode is one code, a list of codes, or None for every municipality in the file. The target keeps
    the buurten of other municipalities it already holds, so that several can be added one by one."""
    import pandas as pd  # only when importing a CBS file (see read_cbs)

    frame = read_cbs(source, layer=layer)
    if gemeentecode is None:
        codes = sorted({normalise_gemeentecode(c) for c in frame["gemeentecode"]})
    else:
        codes = [gemeentecode] if isinstance(gemeentecode, str) else list(gemeentecode)
    parts = [prepare_buurten(frame, code) for code in codes]
    imported = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    target = Path(target)
    combined = _merged(imported, target, {normalise_gemeentecode(c) for c in codes})
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    combined.to_file(tmp, driver="GeoJSON", engine="pyogrio", COORDINATE_PRECISION=7, RFC7946="YES")
    tmp.replace(target)  # one rename: a running register reads the old file or the new one, never half
    return len(imported)


def _merged(imported: gpd.GeoDataFrame, target: Path, codes: set[str]) -> gpd.GeoDataFrame:
    """The imported buurten plus those of other municipalities already in target, checked for overlap."""
    import geopandas as gpd  # only when importing a CBS file (see read_cbs)

    if len(codes) == 1 and not target.exists():
        return imported
    kept = gpd.read_file(target, engine="pyogrio") if target.exists() else imported.iloc[0:0]
    kept = kept[~kept["gemeentecode"].isin(codes)]
    if not kept.empty:
        imported = gpd.pd.concat([kept.to_crs(WGS84), imported], ignore_index=True)
    check_no_overlap(imported.to_crs(RD_NEW).reset_index(drop=True), KEPT_OVERLAP_TOLERANCE_M2)
    columns = [
        c for c in ["code", "name", "wijkcode", "gemeentecode", "gemeentenaam", "area_ha"] if c in imported.columns
    ]
    return imported[columns + ["geometry"]].sort_values("code").reset_index(drop=True)


def load_buurten(path: str | Path) -> list[Buurt]:
    """Load the project's wijken.geojson (WGS84) as Buurt objects sorted by code."""
    if not Path(path).is_file():  # as before: a missing file is an OSError callers know, not a GDAL error
        raise FileNotFoundError(f"{path} bestaat niet")
    # pyogrio imports geopandas and pandas with it; a served process reads the fast copy instead (buurten_cache)
    import pyogrio

    # Read by GDAL as WKB, not parsed into Python dicts and lists first: at national size the parsed file alone
    # held hundreds of MiB and took most of the start-up (issue 11); the shapes are bit for bit the same.
    _, _, shapes, (codes, names, wijkcodes, gemeentecodes) = pyogrio.raw.read(
        str(path), columns=["code", "name", "wijkcode", "gemeentecode"]
    )
    geometries = shapely.from_wkb(shapes)
    del shapes
    buurten = [
        Buurt(code=code, name=name, wijkcode=wijkcode, gemeentecode=gemeentecode, geometry=geometry)
        for code, name, wijkcode, gemeentecode, geometry in zip(codes, names, wijkcodes, gemeentecodes, geometries)
    ]
    return sorted(buurten, key=lambda w: w.code)


def gemeente_shape(buurten: list[Buurt]) -> BaseGeometry:
    """Return the municipality's outline as the union of its buurten."""
    return shapely.union_all([w.geometry for w in buurten])


__all__ = [
    "Buurt",
    "import_buurten",
    "load_buurten",
    "prepare_buurten",
    "read_cbs",
    "gemeente_shape",
    "normalise_gemeentecode",
    "reproject",
]
