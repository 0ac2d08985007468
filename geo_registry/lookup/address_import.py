"""Import of a BAG address extract (CSV or GeoPackage) into the local address table."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import sqlalchemy as sa

from geo_registry.core.errors import ImportRefused
from geo_registry.core.geometry import RD_NEW, WGS84, transformer
from geo_registry.lookup.model import NUMBER_RE, POSTCODE_RE, normalise
from geo_registry.store import tables

# Column names seen in BAG extracts, mapped to ours, in one place.
ALIASES = {
    "postcode": ["postcode"],
    "huisnummer": ["huisnummer", "huisnr"],
    "huisletter": ["huisletter"],
    "toevoeging": ["huisnummertoevoeging", "toevoeging", "huisnummer_toevoeging"],
    "straat": [
        "openbare_ruimte",
        "openbareruimte",
        "openbareruimtenaam",
        "openbare_ruimte_naam",
        "straat",
        "straatnaam",
    ],
    "woonplaats": ["woonplaats", "woonplaatsnaam"],
    "lat": ["lat", "latitude", "breedtegraad"],
    "lon": ["lon", "lng", "longitude", "lengtegraad"],
    "x": ["x", "rd_x", "x_rd"],
    "y": ["y", "rd_y", "y_rd"],
}
REQUIRED = ["postcode", "huisnummer", "straat", "woonplaats"]


@dataclass
class AddressImportReport:
    """How many addresses were imported, and why rows were refused."""

    imported: int = 0
    refused: list[str] = field(default_factory=list)


def _rename(frame: pd.DataFrame) -> pd.DataFrame:
    lower = {c.lower(): c for c in frame.columns}
    renames = {}
    for ours, names in ALIASES.items():
        for name in names:
            if name in lower:
                renames[lower[name]] = ours
                break
    return frame.rename(columns=renames)


def read_extract(path: str | Path) -> pd.DataFrame:
    """Read a CSV or GeoPackage extract into columns postcode ... woonplaats, lat, lon."""
    path = Path(path)
    if not path.exists():
        raise ImportRefused(f"Bestand niet gevonden: {path}")
    if path.suffix.lower() == ".gpkg":
        frame = gpd.read_file(path, engine="pyogrio")
        if frame.crs is not None and frame.geometry.notna().any():
            points = frame.to_crs(WGS84).geometry
            frame = pd.DataFrame(frame.drop(columns="geometry"))
            frame["lon"], frame["lat"] = points.x.values, points.y.values
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, sep=None, engine="python")
    frame = _rename(frame)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ImportRefused(f"{path.name} mist de kolom(men): {', '.join(missing)}")
    if not {"lat", "lon"} <= set(frame.columns):
        if not {"x", "y"} <= set(frame.columns):
            raise ImportRefused(f"{path.name} heeft geen lat/lon of RD x/y")
        x = pd.to_numeric(frame["x"], errors="coerce").to_numpy()
        y = pd.to_numeric(frame["y"], errors="coerce").to_numpy()
        frame["lon"], frame["lat"] = transformer(RD_NEW, WGS84).transform(x, y)
    for column in ("huisletter", "toevoeging"):
        if column not in frame.columns:
            frame[column] = ""
    return frame


def clean_rows(frame: pd.DataFrame, report: AddressImportReport) -> list[dict]:
    """Return the valid rows as dicts for the table; record why others were refused."""
    rows = []
    for number, rec in enumerate(frame.to_dict("records"), start=2):
        postcode = POSTCODE_RE.match(str(rec["postcode"] or ""))
        lat = pd.to_numeric(rec["lat"], errors="coerce")
        lon = pd.to_numeric(rec["lon"], errors="coerce")
        nr = str(rec["huisnummer"] or "").strip().removesuffix(".0")
        if not postcode:
            reason = f"postcode {rec['postcode']!r} is ongeldig"
        elif not NUMBER_RE.match(nr) or int(nr) < 1:
            reason = f"huisnummer {rec['huisnummer']!r} is ongeldig"
        elif not np.isfinite(lat) or not np.isfinite(lon) or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            reason = "coördinaten ontbreken of zijn ongeldig"
        elif not str(rec["straat"] or "").strip():
            reason = "straatnaam ontbreekt"
        else:
            straat = str(rec["straat"]).strip()
            rows.append(
                {
                    "postcode": (postcode.group(1) + postcode.group(2)).upper(),
                    "huisnummer": int(nr),
                    "huisletter": _text(rec["huisletter"]).upper(),
                    "toevoeging": _text(rec["toevoeging"]).upper(),
                    "straat": straat,
                    "straat_norm": normalise(straat),
                    "woonplaats": _text(rec["woonplaats"]),
                    "lat": float(lat),
                    "lon": float(lon),
                }
            )
            continue
        report.refused.append(f"regel {number}: {reason}")
    return rows


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()


def import_addresses(engine: sa.Engine, path: str | Path) -> AddressImportReport:
    """Replace the address table with the valid rows of an extract, in one transaction."""
    report = AddressImportReport()
    rows = clean_rows(read_extract(path), report)
    if not rows:
        raise ImportRefused(f"{Path(path).name} bevat geen enkel bruikbaar adres")
    with engine.begin() as conn:
        conn.execute(tables.addresses.delete())
        conn.execute(tables.addresses.insert(), rows)
        conn.execute(
            tables.registry_state.update()
            .where(tables.registry_state.c.key == "addresses_version")
            .values(value=tables.registry_state.c.value + 1)
        )
    report.imported = len(rows)
    return report
