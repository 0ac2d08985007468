"""What anyone may see of a group and of a buurt, defined once: the public fields (each with its OpenAPI 3.0
schema), the properties, the GeoJSON Feature and FeatureCollection, and the schemas derived from the same fields.

Every public channel builds on this module: the map and its tiles, the JSON API, the OGC API, the poster and the
exports. What a channel truly needs beyond it (a simplified shape for display, a tile's `kind`, OGC's paging links)
is added on top, never by naming the fields again. A beheerder's name, e-mail address and phone number are not
public fields (AVG); tests/test_public_representation.py fails when one is added.

Kept in spatial/ (not domain/) because a buurt is a spatial thing (spatial.buurten) and the map's colour of a group
is part of what the API has always published."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from shapely.geometry.base import BaseGeometry

from geo_registry.core.geometry import simplify_for_display, to_geojson_mapping

# Colour-blind-safe colours (Okabe-Ito first); a group keeps its colour while its id does.
PALETTE = [
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#882255",
    "#117733",
    "#AA4499",
    "#332288",
    "#994F00",
    "#44AA99",
]


def group_colour(group_id: int) -> str:
    """Return the map colour of a group."""
    return PALETTE[(group_id or 0) % len(PALETTE)]


@dataclass(frozen=True, eq=False)
class PublicField:
    """One public field: its name, the attribute it is read from (through convert, when given), its OpenAPI 3.0
    schema, and whether a reference to the thing (a lookup answer naming a group or a buurt) carries it too."""

    name: str
    source: str
    schema: dict
    in_reference: bool = True
    convert: Callable[[Any], Any] | None = None

    def value(self, thing) -> Any:
        """The field's value for thing (a group or a buurt)."""
        raw = getattr(thing, self.source)
        return self.convert(raw) if self.convert else raw


GROUP_FIELDS: tuple[PublicField, ...] = (
    PublicField("id", "id", {"type": "integer", "description": "The group's number; it stays while the group does"}),
    PublicField("name", "name", {"type": "string", "description": "The group's name"}),
    PublicField("is_example", "is_example", {"type": "boolean", "description": "An example group, not a real one"}),
    PublicField(
        "colour",
        "id",
        {"type": "string", "pattern": "^#[0-9A-F]{6}$", "description": "The colour the site's map draws the group in"},
        in_reference=False,
        convert=group_colour,
    ),
)
BUURT_FIELDS: tuple[PublicField, ...] = (
    PublicField("code", "code", {"type": "string", "description": "The buurt's CBS code, e.g. BU04170324"}),
    PublicField("name", "name", {"type": "string", "description": "The buurt's name"}),
    PublicField(
        "wijkcode", "wijkcode", {"type": "string", "description": "CBS code of the wijk it lies in"}, in_reference=False
    ),
    PublicField(
        "gemeentecode",
        "gemeentecode",
        {"type": "string", "description": "CBS code of its municipality, e.g. GM0417 (Laren)"},
        in_reference=False,
    ),
)


def _fields(fields: Iterable[PublicField], reference: bool) -> list[PublicField]:
    return [f for f in fields if f.in_reference or not reference]


def group_properties(group) -> dict:
    """Everything anyone may see of a group (a feature's properties): never the beheerder's details."""
    return {f.name: f.value(group) for f in GROUP_FIELDS}


def group_reference(group) -> dict:
    """What an answer that names a group (a lookup) says of it: the reference fields of group_properties."""
    return {f.name: f.value(group) for f in _fields(GROUP_FIELDS, reference=True)}


def buurt_properties(buurt) -> dict:
    """Everything a public channel says of a buurt (a feature's properties)."""
    return {f.name: f.value(buurt) for f in BUURT_FIELDS}


def buurt_reference(buurt) -> dict:
    """What an answer that names a buurt (a lookup) says of it."""
    return {f.name: f.value(buurt) for f in _fields(BUURT_FIELDS, reference=True)}


def feature(feature_id, geometry: BaseGeometry, properties: dict) -> dict:
    """A GeoJSON Feature."""
    return {"type": "Feature", "id": feature_id, "geometry": to_geojson_mapping(geometry), "properties": properties}


def collection(features: list[dict]) -> dict:
    """A GeoJSON FeatureCollection."""
    return {"type": "FeatureCollection", "features": features}


def group_feature(group, simplify: bool = False) -> dict:
    """A group as a GeoJSON Feature (its id as the feature's id); simplify: its area made lighter for drawing."""
    area = simplify_for_display(group.area) if simplify else group.area
    return feature(group.id, area, group_properties(group))


def buurt_feature(buurt) -> dict:
    """A buurt as a GeoJSON Feature (its CBS code as the feature's id)."""
    return feature(buurt.code, buurt.geometry, buurt_properties(buurt))


def groups_collection(groups, simplify: bool = False) -> dict:
    """The groups as a GeoJSON FeatureCollection with public properties only."""
    return collection([group_feature(group, simplify) for group in groups])


def buurten_collection(buurten) -> dict:
    """The buurten as a GeoJSON FeatureCollection."""
    return collection([buurt_feature(buurt) for buurt in buurten])


def object_schema(fields: Iterable[PublicField], reference: bool = False, description: str = "") -> dict:
    """The OpenAPI 3.0 schema of the properties (or, with reference, of a reference) built from fields: exactly
    these, all required, no others."""
    chosen = _fields(fields, reference)
    schema = {
        "type": "object",
        "required": [f.name for f in chosen],
        "additionalProperties": False,
        "properties": {f.name: dict(f.schema) for f in chosen},
    }
    if description:
        schema["description"] = description
    return schema


def schemas() -> dict[str, dict]:
    """The OpenAPI component schemas of a group and a buurt, made from GROUP_FIELDS and BUURT_FIELDS."""
    return {
        "GroupProperties": object_schema(GROUP_FIELDS, description="What anyone may see of an active group"),
        "GroupRef": object_schema(GROUP_FIELDS, reference=True, description="A group named in an answer"),
        "BuurtProperties": object_schema(BUURT_FIELDS, description="A buurt (CBS) as the register serves it"),
        "WijkRef": object_schema(BUURT_FIELDS, reference=True, description="A buurt named in an answer"),
    }
