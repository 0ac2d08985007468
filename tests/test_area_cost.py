"""An uploaded or drawn area cannot tie the server up: a border that crosses itself very often is refused
before any repair is tried (repairing it cost GEOS minutes: a 151-point star, 20 kB of GeoJSON, took 47 s)."""

import json
import math

import pytest
import shapely
from helpers import csrf_token

from geo_registry.domain.areas import AreaRefused, check_area, parse_geojson_area, self_crossings

TOO_OFTEN = "kruist zichzelf te vaak"


@pytest.fixture(scope="module")
def gemeente(buurten):
    return shapely.union_all([w.geometry for w in buurten])


def star(points: int, centre) -> list:
    """A star polygon whose every edge crosses nearly every other: points * (points // 2 - 2) crossings."""
    step = points // 2 - 1
    ring = [
        (
            centre.x + 0.004 * math.cos(2 * math.pi * i * step / points),
            centre.y + 0.0025 * math.sin(2 * math.pi * i * step / points),
        )
        for i in range(points)
    ]
    return ring + ring[:1]


def test_a_star_that_crosses_itself_thousands_of_times_is_refused_saying_so(gemeente):
    # Before: the repair ran for 10 s (101 points) to 47 s (151 points) in the request, then refused it anyway.
    for points in (101, 151, 1001):
        with pytest.raises(AreaRefused) as caught:
            check_area(shapely.Polygon(star(points, gemeente.representative_point())), gemeente)
        assert TOO_OFTEN in caught.value.message


def test_crossings_at_a_vertex_count_too(gemeente):
    # A star with a vertex put on each of its crossings crosses itself no less.
    ring = shapely.LineString(star(101, gemeente.representative_point()))
    dense = shapely.Polygon(shapely.segmentize(ring, ring.length / 4000).coords)
    with pytest.raises(AreaRefused) as caught:
        check_area(dense, gemeente)
    assert TOO_OFTEN in caught.value.message


def test_a_bow_tie_and_a_figure_eight_through_a_vertex_are_still_repaired(gemeente):
    c = gemeente.representative_point()
    bow_tie = [(c.x, c.y), (c.x + 0.003, c.y + 0.002), (c.x + 0.003, c.y), (c.x, c.y + 0.002), (c.x, c.y)]
    assert "hersteld" in " ".join(check_area(shapely.Polygon(bow_tie), gemeente).notes)
    n = 4000  # a hand-drawn figure eight: many points, one crossing, through a vertex
    eight = [
        (c.x + 0.003 * math.sin(2 * math.pi * i / n), c.y + 0.002 * math.sin(4 * math.pi * i / n)) for i in range(n)
    ]
    assert self_crossings(shapely.Polygon(eight).exterior, 50) <= 4
    assert "hersteld" in " ".join(check_area(shapely.Polygon(eight), gemeente).notes)


def test_the_registration_form_refuses_a_many_times_crossing_upload(client, gemeente):
    geojson = json.dumps({"type": "Polygon", "coordinates": [star(151, gemeente.representative_point())]})
    response = client.post(
        "/groep-aanmelden/",
        data={
            "csrf_token": csrf_token(client, "/groep-aanmelden/"),
            "naam": "Ster",
            "beheerder_naam": "S",
            "email": "s@voorbeeld.nl",
            "gebied_getekend": geojson,
            "actie": "controleren",
        },
    )
    assert response.status_code == 400
    assert TOO_OFTEN in response.get_data(as_text=True)
    assert parse_geojson_area(geojson).geom_type == "Polygon"


def bow_tie(x, y, size=0.003):
    return [(x, y), (x + size, y + size * 0.7), (x + size, y), (x, y + size * 0.7), (x, y)]


def test_two_self_crossing_parts_are_repaired_not_a_server_error(client, gemeente):
    # Before: the first check unioned the unrepaired parts: GEOS TopologyException, a 500 on the form.
    c = gemeente.representative_point()
    two = shapely.MultiPolygon([shapely.Polygon(bow_tie(c.x, c.y)), shapely.Polygon(bow_tie(c.x + 0.001, c.y))])
    checked = check_area(two, gemeente)
    assert checked.m2 > 2_000 and checked.notes == [checked.notes[0]] and "hersteld" in checked.notes[0]
    features = [{"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(part)} for part in two.geoms]
    for upload in (
        json.dumps(shapely.geometry.mapping(two)),
        json.dumps({"type": "FeatureCollection", "features": features}),
    ):
        response = client.post(
            "/groep-aanmelden/",
            data={
                "csrf_token": csrf_token(client, "/groep-aanmelden/"),
                "naam": "Twee strikjes",
                "beheerder_naam": "S",
                "email": "s@voorbeeld.nl",
                "gebied_getekend": upload,
                "actie": "controleren",
            },
        )
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert response.get_data(as_text=True).count("De vorm kruiste zichzelf; die is hersteld") == 1


@pytest.mark.parametrize(
    "shape, crossings",
    [
        ("square", 0),
        ("bow tie", 1),
        ("bow tie, a point twice", 1),
        ("seven-pointed star", 7),
        ("eleven-pointed star", 33),
        ("square touching itself at a corner", 4),
    ],
)
def test_self_crossings_counts_each_crossing_or_touching_pair_once(shape, crossings):
    """What the limit on crossings counts: pairs of border segments that cross or touch, not neighbours."""
    x, y, d = 5.2, 52.25, 0.003  # in Laren: the counting must not depend on coordinates near zero
    rings = {
        "square": [(x, y), (x + d, y), (x + d, y + d), (x, y + d), (x, y)],
        "bow tie": [(x, y), (x + d, y + d), (x + d, y), (x, y + d), (x, y)],
        "bow tie, a point twice": [(x, y), (x + d, y + d), (x + d, y + d), (x + d, y), (x, y + d), (x, y)],
        "seven-pointed star": star(7, shapely.Point(x, y)),
        "eleven-pointed star": star(11, shapely.Point(x, y)),
        # A square whose border comes back to its own corner: the 4 segments that meet there make 4 pairs.
        "square touching itself at a corner": [
            (x, y),
            (x + d, y),
            (x + d, y + d),
            (x + 2 * d, y + d),
            (x + 2 * d, y + 2 * d),
            (x + d, y + d),
            (x, y + d),
            (x, y),
        ],
    }
    assert self_crossings(shapely.LinearRing(rings[shape]), 1000) == crossings


def ribbon(crossings: int, end_pieces: int = 1) -> shapely.LinearRing:
    """A ribbon in Laren twisted `crossings` times: its border crosses itself exactly that often, and each of its
    parts is enclosed once (so it can be repaired); end_pieces draws its end with more points."""
    x, y, dx, h = 5.2, 52.249, 0.0001, 0.0005
    forward = [(x + k * dx, y + (h if k % 2 == 0 else -h)) for k in range(crossings + 1)]
    back = [(px, 2 * y - py) for px, py in reversed(forward)]
    (ex, top), (_, bottom) = forward[-1], back[0]
    end = [(ex, top + (bottom - top) * i / end_pieces) for i in range(1, end_pieces)]
    return shapely.LinearRing(forward + end + back + forward[:1])


def test_fifty_crossings_are_repaired_and_fifty_one_refused_however_many_points(gemeente):
    """The limit as the refusal states it: more than 50 crossings is refused, 50 is repaired. Drawn with 130
    points (more than one run of the count) the 51-times twisted ribbon was counted as 50 and repaired."""
    assert "hersteld" in " ".join(check_area(shapely.Polygon(ribbon(50)), gemeente).notes)
    # 27 and 28 end points: 50 and 49 of the crossings lie within the first run of 128 segments, the rest across.
    for ring in (ribbon(51), ribbon(51, end_pieces=27), ribbon(51, end_pieces=28)):
        with pytest.raises(AreaRefused) as caught:
            check_area(shapely.Polygon(ring), gemeente)
        assert caught.value.message == (
            "De buitenrand van het gebied kruist zichzelf te vaak (meer dan 50 keer). Teken het gebied opnieuw."
        )


def crescent(x, y, d, steps=8):
    """A thin curved strip: the boxes of its inner and outer edges overlap, yet they never meet."""
    outer = [
        (x + d * math.cos(math.pi / 2 * i / steps), y + d * math.sin(math.pi / 2 * i / steps)) for i in range(steps + 1)
    ]
    inner = [(x + 0.99 * (px - x), y + 0.99 * (py - y)) for px, py in reversed(outer)]
    return outer + inner + outer[:1]


@pytest.mark.parametrize(
    "ring, crossings", [(crescent(5.2, 52.25, 0.003), 0), (list(ribbon(51, end_pieces=80).coords), 51)]
)
def test_self_crossings_counts_only_segments_that_meet_over_any_number_of_points(ring, crossings):
    assert self_crossings(shapely.LinearRing(ring), 1000) == crossings
