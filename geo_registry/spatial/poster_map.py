"""A group's printable poster: its area as a small static map (SVG, RD New) and a QR code of its join link.

Both are drawn by the app itself, as inline SVG: no tiles, no script, no outside service, so the poster prints the
same everywhere and a visitor's browser asks no one else for anything."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from html import escape

import segno
import shapely
from shapely.geometry.base import BaseGeometry

from geo_registry.core.geometry import RD_NEW, WGS84, reproject, to_rd
from geo_registry.spatial.buurten import Buurt

# The map's shape (width : height) matches the room the poster gives it on A4 (186 mm wide, so about 116 mm high).
ASPECT = 1.6
# Room around the group's area, so that residents see the buurten beside it and recognise where it lies.
MARGIN_SHARE, MIN_MARGIN_M = 0.15, 120.0
# Drawing precision: a poster map is some 15 cm wide, so detail finer than 1/2000 of its width is invisible.
DETAIL_SHARE = 1 / 2000
SCALE_STEPS_M = (25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000)
AREA_COLOUR, BUURT_COLOUR, LABEL_COLOUR = "#00527a", "#8a8f94", "#4a4a4a"


@dataclass(frozen=True)
class Frame:
    """The part of the world the map shows, in RD New metres."""

    minx: float
    miny: float
    maxx: float
    maxy: float

    @property
    def width(self) -> float:
        """Width in metres."""
        return self.maxx - self.minx

    @property
    def height(self) -> float:
        """Height in metres."""
        return self.maxy - self.miny

    def box(self) -> BaseGeometry:
        """The frame as a rectangle (RD New)."""
        return shapely.box(self.minx, self.miny, self.maxx, self.maxy)


def frame_around(area_rd: BaseGeometry, aspect: float = ASPECT) -> Frame:
    """Return the frame that shows area_rd with some room around it, widened to the map's aspect ratio."""
    minx, miny, maxx, maxy = area_rd.bounds
    margin = max(MARGIN_SHARE * max(maxx - minx, maxy - miny), MIN_MARGIN_M)
    minx, miny, maxx, maxy = minx - margin, miny - margin, maxx + margin, maxy + margin
    width, height = maxx - minx, maxy - miny
    if width < height * aspect:  # too narrow: widen around the middle
        grow = (height * aspect - width) / 2
        minx, maxx = minx - grow, maxx + grow
    else:  # too low: heighten around the middle
        grow = (width / aspect - height) / 2
        miny, maxy = miny - grow, maxy + grow
    return Frame(minx, miny, maxx, maxy)


def _xy(x: float, y: float, frame: Frame) -> str:
    """A point in map units: metres from the frame's top left (SVG's y axis points down, RD's north up)."""
    return f"{x - frame.minx:.0f} {frame.maxy - y:.0f}"


def svg_path(geom: BaseGeometry, frame: Frame) -> str:
    """Return SVG path data for RD polygons (closed rings) or lines (open), in map units."""
    parts = []
    for part in getattr(geom, "geoms", [geom]):
        if part.is_empty:
            continue
        if part.geom_type == "Polygon":
            for ring in (part.exterior, *part.interiors):
                parts.append("M" + " ".join(_xy(x, y, frame) for x, y in ring.coords[:-1]) + "Z")
        elif part.geom_type in ("LineString", "LinearRing"):
            parts.append("M" + " ".join(_xy(x, y, frame) for x, y in part.coords))
    return "".join(parts)


def _scale_length(frame: Frame) -> tuple[int, str]:
    """The scale bar's round length in metres (about a fifth of the map's width) and its label."""
    length = max([step for step in SCALE_STEPS_M if step <= frame.width / 5] or [SCALE_STEPS_M[0]])
    return length, (f"{length} m" if length < 1000 else f"{length / 1000:g} km")


def _scale_bar_box(frame: Frame, font: float) -> BaseGeometry:
    """The room the scale bar and its label take (RD New), which no buurt name may cover."""
    length, label = _scale_length(frame)
    right = frame.minx + frame.width * 0.03 + length + font * 0.4 + len(label) * font * 0.65
    return shapely.box(frame.minx, frame.miny, right, frame.maxy - frame.height * 0.95 + font * 1.2)


def _scale_bar(frame: Frame, font: float) -> str:
    """A scale bar of a round length, about a fifth of the map's width, at its bottom left."""
    length, label = _scale_length(frame)
    x, y = frame.width * 0.03, frame.height * 0.95
    return (
        f'<path d="M{x:.0f} {y - font * 0.4:.0f}V{y:.0f}H{x + length:.0f}V{y - font * 0.4:.0f}" fill="none" '
        f'stroke="#1a1a1a" stroke-width="2" vector-effect="non-scaling-stroke"/>'
        f'<text x="{x + length + font * 0.4:.0f}" y="{y:.0f}" font-size="{font:.0f}" fill="#1a1a1a">{label}</text>'
    )


def _label_box(name: str, x: float, y: float, font: float) -> BaseGeometry:
    """The room a name takes on the map around its middle (x, y), with a little space on every side."""
    half_width, half_height = len(name) * font * 0.3 + font * 0.2, font * 0.7
    return shapely.box(x - half_width, y - half_height, x + half_width, y + half_height)


def _label_spots(room: BaseGeometry, font: float) -> list:
    """Where a name may go in its room, best first: the room's inner point, then points above and below it."""
    point = room.representative_point()
    spots = [point]
    for step in (1.5, -1.5, 3, -3):
        moved = shapely.Point(point.x, point.y + step * font)
        if room.covers(moved):
            spots.append(moved)
    return spots


def _labels(shown, frame: Frame, font: float) -> str:
    """Each buurt's name inside its shown part, kept whole inside the frame; a name that would touch one placed
    before it moves up or down within its buurt, or is left out (larger buurten are named first)."""
    placed: list[BaseGeometry] = [_scale_bar_box(frame, font)]
    texts = []
    for name, shape, _boundary in sorted(shown, key=lambda item: -item[1].area):
        half_width = len(name) * font * 0.3  # about half the width of the name in a sans-serif font
        room = shape.intersection(
            shapely.box(frame.minx + half_width, frame.miny + font, frame.maxx - half_width, frame.maxy - font)
        )
        if room.is_empty or room.area < font * font:
            continue
        for spot in _label_spots(room, font):
            box = _label_box(name, spot.x, spot.y, font)
            if not any(box.intersects(other) for other in placed):
                placed.append(box)
                texts.append(f'<text x="{spot.x - frame.minx:.0f}" y="{frame.maxy - spot.y:.0f}">{escape(name)}</text>')
                break
    return "".join(texts)


def dissolved(area_rd: BaseGeometry, tolerance: float) -> BaseGeometry:
    """The area as one shape: buurten joined into it lose the seams between them (also where their shared border
    left a hairline gap or overlap), so that only the area's outer edge is drawn."""
    closing = max(tolerance, 0.5)
    whole = shapely.union_all([shapely.make_valid(area_rd)])
    return whole.buffer(closing, join_style="mitre").buffer(-closing, join_style="mitre")


def _buurten_in(frame: Frame, buurten: list[Buurt], tolerance: float):
    """The buurten the frame shows: (name, RD shape clipped to the frame, RD boundary clipped to the frame)."""
    box_wgs84 = reproject(frame.box(), RD_NEW, WGS84)
    shown = []
    for buurt in buurten:
        if not buurt.geometry.intersects(box_wgs84):
            continue  # cheap test first: only the few buurten near the group are projected
        rd = to_rd(buurt.geometry).simplify(tolerance, preserve_topology=True)
        # The boundary is clipped as a line, so that the frame's edge is not drawn as if it were a buurt's border.
        shape = shapely.clip_by_rect(rd, frame.minx, frame.miny, frame.maxx, frame.maxy)
        if not shape.is_empty:
            shown.append(
                (buurt.name, shape, shapely.clip_by_rect(rd.boundary, frame.minx, frame.miny, frame.maxx, frame.maxy))
            )
    return shown


def area_map_svg(area: BaseGeometry, buurten: list[Buurt], label: str) -> str:
    """Return an SVG map of a group's WGS84 area (filled) among the buurten (faint outlines, named), drawn in RD
    New with a scale bar; label is the map's accessible name (escaped here)."""
    area_rd = to_rd(area)
    frame = frame_around(area_rd)
    tolerance = frame.width * DETAIL_SHARE
    font = frame.width / 45
    shown = _buurten_in(frame, buurten, tolerance)
    whole = dissolved(area_rd, tolerance)
    # Buurt borders are drawn around the area, not through it: inside, they would read as seams in the area.
    inside = whole.buffer(-tolerance)
    outlines = "".join(svg_path(boundary.difference(inside), frame) for _, _, boundary in shown)
    labels = _labels(shown, frame, font)
    area_path = svg_path(whole.simplify(tolerance, preserve_topology=True), frame)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {frame.width:.0f} {frame.height:.0f}" '
        f'class="poster-area" role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>'
        f'<rect width="100%" height="100%" fill="#fff" stroke="#8a8f94" stroke-width="2" '
        f'vector-effect="non-scaling-stroke"/>'
        f'<path d="{outlines}" fill="none" stroke="{BUURT_COLOUR}" stroke-width="1" stroke-dasharray="4 3" '
        f'vector-effect="non-scaling-stroke"/>'
        f'<path d="{area_path}" fill="{AREA_COLOUR}" fill-opacity="0.22" fill-rule="evenodd" '
        f'stroke="{AREA_COLOUR}" stroke-width="3" stroke-linejoin="round" vector-effect="non-scaling-stroke"/>'
        f'<g font-size="{font:.0f}" fill="{LABEL_COLOUR}" text-anchor="middle" font-family="sans-serif" '
        f'stroke="#fff" stroke-width="{font / 5:.0f}" paint-order="stroke">{labels}</g>'
        f"{_scale_bar(frame, font)}</svg>"
    )


@lru_cache(maxsize=512)
def qr_svg(link: str) -> str:
    """Return the QR code of link as inline SVG (black on white, with the quiet zone readers need), sized by CSS;
    hidden from screen readers, since the poster shows the same link as text."""
    code = segno.make(link, error="m", micro=False)
    svg = code.svg_inline(scale=1, border=4, dark="#000", light="#fff", omitsize=True, svgclass="poster-qr-code")
    return svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" shape-rendering="crispEdges" ', 1)
