"""The poster's map as a resident reads it: buurt names that do not run into each other, no seam between the
buurten joined into a group's area, and the English poster's link in English (issue 22, point 14)."""

import re
from itertools import combinations

import pytest
import shapely

from geo_registry.core.geometry import to_rd
from geo_registry.spatial import poster_map as poster
from geo_registry.web import settings as app_settings

PUBLIC = "https://buurtpreventie.example"


@pytest.fixture
def poster_app(lookup_app):
    """The example groups on an app with a public address of its own."""
    app_settings.change(lookup_app, PUBLIC_URL=PUBLIC)
    return lookup_app


def by_name(buurten, *names):
    return [b for b in buurten if b.name in names]


def texts(svg: str) -> list[tuple[str, float, float]]:
    return [
        (name, float(x), float(y))
        for x, y, name in re.findall(r'<text x="([\d.-]+)" y="([\d.-]+)">([^<]+)</text>', svg)
    ]


def font_of(svg: str) -> float:
    return float(re.search(r'<g font-size="([\d.]+)"', svg).group(1))


def test_buurt_names_on_the_poster_never_overlap(buurten):
    # Laren-Natuurgebied beside Rijksweg-Noord: before, 'Laren-Na|Rijksweg-Noord' ran into each other.
    for names in [
        ("Laren-Natuurgebied", "Rijksweg-Noord"),
        ("Rijksweg-Noord", "Rijksweg-Zuid", "Steenbergen"),
        ("Postiljon",),
        ("Laren-Centrum", "Omloop", "Zevenend"),
    ]:
        area = shapely.union_all([b.geometry for b in by_name(buurten, *names)])
        svg = poster.area_map_svg(area, buurten, "kaart")
        font = font_of(svg)
        # Generous widths (0.32 of the font size a letter, above the 0.3 the placing assumes): real text is narrower.
        boxes = {
            name: shapely.box(x - len(name) * font * 0.32, y - font * 0.6, x + len(name) * font * 0.32, y + font * 0.2)
            for name, x, y in texts(svg)
        }
        assert len(boxes) >= 2, names
        clashes = [(a, b) for a, b in combinations(boxes, 2) if boxes[a].intersects(boxes[b])]
        assert clashes == [], (names, clashes)


def test_buurten_joined_into_one_area_show_no_seam(buurten):
    parts = by_name(buurten, "Rijksweg-Noord", "Steenbergen")
    # As picked buurten arrive: two shapes that share a border (here not even unioned, and a hairline apart).
    area = shapely.MultiPolygon([parts[0].geometry, parts[1].geometry.buffer(-2e-7)])
    svg = poster.area_map_svg(area, buurten, "kaart")
    area_d = re.search(r'<path d="([^"]+)" fill="#00527a"', svg).group(1)
    assert area_d.count("M") == 1  # one outline: no edge drawn along the shared border
    # The dashed buurt borders stop at the area: none runs through its inside.
    outline_d = re.search(r'<path d="([^"]+)" fill="none" stroke="#8a8f94"', svg).group(1)
    frame = poster.frame_around(to_rd(area))
    inside = to_rd(shapely.union_all([p.geometry for p in parts])).buffer(-frame.width / 200)
    points = [
        shapely.Point(frame.minx + float(x), frame.maxy - float(y))
        for x, y in re.findall(r"(-?\d+) (-?\d+)", outline_d)
    ]
    assert points and not any(inside.contains(p) for p in points)


def test_the_english_poster_links_to_the_english_join_form(poster_app):
    english = poster_app.test_client().get("/groep/1/poster?lang=en").get_data(as_text=True)
    assert f'<a href="{PUBLIC}/groep/1/aanmelden?lang=en">' in english
    assert poster.qr_svg(f"{PUBLIC}/groep/1/aanmelden?lang=en") in english  # the QR code carries it too
    dutch = poster_app.test_client().get("/groep/1/poster?lang=nl").get_data(as_text=True)
    assert f'<a href="{PUBLIC}/groep/1/aanmelden">' in dutch
