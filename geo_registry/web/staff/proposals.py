"""A proposed new area, reviewed before it is applied: the current and the proposed area together on one map
(told apart by line and fill, named, with a legend), and the same in words: the buurten of each, the size of each
in hectares, and the proposal's overlaps with other groups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import shapely
import shapely.geometry
from shapely.geometry.base import BaseGeometry

from geo_registry.core.geometry import area_m2, to_geojson_mapping, to_rd
from geo_registry.core.text import _
from geo_registry.domain.areas import Overlap, find_overlaps
from geo_registry.spatial.coverage import Sliver
from geo_registry.web.maps import (
    MapParts,
    base_map,
    build_area_map,
    folium_module,
    groups_layer,
    render_parts,
    text_tooltip,
)

if TYPE_CHECKING:  # imported when a map is rendered (web.maps.folium_module)
    import folium

# How each area is drawn: the current one dashed and unfilled, the proposal solid, thick and filled; so the two
# differ by line and fill, not by colour alone (the legend in templates/staff/group.html draws the same).
CURRENT_STYLE = {"color": "#000000", "weight": 3, "dashArray": "8 6", "fill": False}
PROPOSED_STYLE = {"color": "#0b0c0c", "weight": 4, "fillColor": "#ffbf47", "fillOpacity": 0.45}


@dataclass(frozen=True)
class AreaFacts:
    """An area in words: its size and the buurten it lies in (name, share of the area), largest first."""

    geometry: BaseGeometry
    m2: float
    buurten: list[tuple[str, float]]

    @property
    def hectares(self) -> float:
        """The size in hectares."""
        return self.m2 / 10_000


@dataclass(frozen=True)
class AreaProposal:
    """A proposed change of a group's area next to the current one, and the proposal's overlaps."""

    change_id: int
    current: AreaFacts
    proposed: AreaFacts
    overlaps: list[Overlap]


def area_facts(geometry: BaseGeometry, buurt_index, sliver: Sliver) -> AreaFacts:
    """The size of an area and the buurten it lies in (from the snapshot's buurt index: only those near it are
    measured); a sliver along a buurt's edge is no part of it."""
    m2 = area_m2(geometry)
    rd = to_rd(geometry)
    found = []
    for buurt in buurt_index.in_bounds(geometry.bounds):
        if not buurt.geometry.intersects(geometry):
            continue
        buurt_rd = to_rd(buurt.geometry)
        shared = rd.intersection(buurt_rd).area
        if shared > 0 and not sliver(shared, shared / buurt_rd.area):
            found.append((buurt.name, shared / m2 if m2 else 0.0))
    return AreaFacts(geometry, m2, sorted(found, key=lambda item: (-item[1], item[0])))


def area_proposals(group, changes, snapshot, config) -> list[AreaProposal]:
    """Every pending change of group's area, with what a reviewer needs to judge it before applying it."""
    sliver = Sliver.of(config)
    others = [g for g in snapshot.groups if g.id != group.id]
    current = area_facts(group.area, snapshot.buurt_index, sliver)
    proposals = []
    for change in changes:
        if "area" not in change["payload"]:
            continue
        geometry = shapely.geometry.shape(change["payload"]["area"])
        proposed = area_facts(geometry, snapshot.buurt_index, sliver)
        overlaps = find_overlaps(geometry, proposed.m2, others, sliver=sliver)
        proposals.append(AreaProposal(change["id"], current, proposed, overlaps))
    return proposals


def outline(geometry: BaseGeometry, name: str, style: dict) -> folium.GeoJson:
    """One area on the map, named on hover or tap."""
    feature = {"type": "Feature", "geometry": to_geojson_mapping(geometry), "properties": {"name": name}}
    return text_tooltip(
        folium_module().GeoJson(feature, name=name, style_function=lambda f: style), ["name"], [_("Gebied")]
    )


def build_proposal_map(snapshot, config, current: BaseGeometry, proposed: BaseGeometry, others=()) -> MapParts:
    """Render the current and the proposed area together over the other groups, fitted to both."""
    fmap = base_map(snapshot, config, shapely.union(current, proposed).bounds)
    if others:
        groups_layer(others, faint=True).add_to(fmap)
    outline(proposed, _("Voorgesteld gebied"), PROPOSED_STYLE).add_to(fmap)
    outline(current, _("Huidig gebied"), CURRENT_STYLE).add_to(fmap)  # on top: its dashed line stays visible
    return render_parts(fmap)


def group_map(snapshot, config, group, others, proposals: list[AreaProposal]) -> MapParts:
    """The group page's map: its area over the other groups, or, while a new area waits for review, the current
    and the newest proposed area together."""
    if not proposals:
        return build_area_map(snapshot, config, group.area, others)
    return build_proposal_map(snapshot, config, group.area, proposals[-1].proposed.geometry, others)
