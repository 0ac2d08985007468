"""Which broken shapes are repaired (only the unambiguous) and which are refused, saying what is wrong."""

import json
import math
import re

import pytest
import shapely
import shapely.affinity
from shapely import MultiPolygon, Polygon

from geo_registry.core.geometry import area_m2
from geo_registry.domain.areas import AreaRefused, _checked_hole, check_area, combine_areas, parse_geojson_area

# A square of about 66,000 m² (260 m a side) well inside Laren.
W, S, E, N = 5.2000, 52.2480, 5.2038, 52.2503
SHELL = [(W, S), (E, S), (E, N), (W, N), (W, S)]
REPAIRED = "kruiste zichzelf; die is hersteld"


@pytest.fixture(scope="module")
def gemeente(buurten):
    return shapely.union_all([w.geometry for w in buurten])


def check(geom, gemeente):
    return check_area(geom, gemeente, gemeentenaam="Laren")


def refusal(geom, gemeente) -> str:
    with pytest.raises(AreaRefused) as caught:
        check(geom, gemeente)
    return caught.value.message


def test_the_square_itself_is_accepted_as_is(gemeente):
    checked = check(Polygon(SHELL), gemeente)
    assert 65_000 < checked.m2 < 68_000 and checked.notes == []


def test_a_hole_equal_to_its_shell_leaves_nothing_and_is_refused(gemeente):
    # Before: accepted as the whole square (68,382 m²) and reported as "self-crossing, repaired".
    for hole in (SHELL, SHELL[::-1], SHELL[1:] + SHELL[1:2]):  # same ring, either way round, other start
        assert "even groot als het gebied zelf" in refusal(Polygon(SHELL, [hole]), gemeente)


def test_a_hole_larger_than_its_shell_is_refused(gemeente):
    bigger = [(W - 0.001, S - 0.001), (E + 0.001, S - 0.001), (E + 0.001, N + 0.001), (W - 0.001, N + 0.001)]
    assert "er blijft niets over" in refusal(Polygon(SHELL, [bigger]), gemeente)


def test_a_hole_outside_its_shell_is_refused_not_added(gemeente):
    # Before: the hole became a second area of its own (extra m²), "repaired".
    outside = [(E + 0.001, S), (E + 0.002, S), (E + 0.002, S + 0.001), (E + 0.001, S + 0.001)]
    assert "Een gat ligt buiten de buitenrand" in refusal(Polygon(SHELL, [outside]), gemeente)


def test_a_hole_across_the_border_is_refused(gemeente):
    across = [(W + 0.001, S + 0.001), (E + 0.001, S + 0.001), (E + 0.001, S + 0.002), (W + 0.001, S + 0.002)]
    assert "kruist de buitenrand" in refusal(Polygon(SHELL, [across]), gemeente)


def test_a_hole_sharing_a_stretch_of_the_border_is_refused(gemeente):
    notch = [(W, S + 0.0005), (W + 0.001, S + 0.0005), (W + 0.001, S + 0.0015), (W, S + 0.0015)]
    assert "raakt de buitenrand van het gebied over een stuk lijn" in refusal(Polygon(SHELL, [notch]), gemeente)


def test_overlapping_or_nested_holes_are_refused(gemeente):
    outer = [(W + 0.0005, S + 0.0005), (E - 0.0005, S + 0.0005), (E - 0.0005, N - 0.0005), (W + 0.0005, N - 0.0005)]
    inner = [(W + 0.001, S + 0.001), (W + 0.002, S + 0.001), (W + 0.002, S + 0.0015), (W + 0.001, S + 0.0015)]
    assert refusal(Polygon(SHELL, [outer, inner]), gemeente) == (
        "Twee gaten in het gebied overlappen elkaar of liggen in elkaar. Teken elk gat één keer."
    )


def test_a_bow_tie_with_a_hole_in_one_of_its_triangles_is_repaired_and_keeps_the_hole(gemeente):
    bow_tie = [(W, S), (E, N), (E, S), (W, N), (W, S)]
    hole = [(E - 0.0008, MY - 0.0003), (E - 0.0003, MY - 0.0003), (E - 0.0003, MY + 0.0003), (E - 0.0008, MY + 0.0003)]
    checked = check(Polygon(bow_tie, [hole]), gemeente)
    triangles = shapely.union_all([Polygon([(W, S), (MX, MY), (W, N)]), Polygon([(E, S), (MX, MY), (E, N)])])
    assert checked.geometry.equals(triangles.difference(Polygon(hole)))
    assert checked.notes == ["De vorm kruiste zichzelf; die is hersteld. Controleer het gebied op de kaart."]


def test_a_border_along_one_line_encloses_nothing_and_is_refused(gemeente):
    flat = [(W, S), (E, S), (MX, S), (W, S)]
    assert refusal(Polygon(flat), gemeente) == (
        "De buitenrand van het gebied omsluit geen vlak. Teken het gebied opnieuw."
    )


def test_a_hole_crossing_itself_is_refused(gemeente):
    bowtie_hole = [(W + 0.001, S + 0.001), (W + 0.002, S + 0.002), (W + 0.002, S + 0.001), (W + 0.001, S + 0.002)]
    assert "Een gat in het gebied kruist zichzelf" in refusal(Polygon(SHELL, [bowtie_hole]), gemeente)


def test_a_border_that_goes_around_twice_is_refused(gemeente):
    mx, my = (W + E) / 2, (S + N) / 2
    ring = [
        (W, S),
        (E, S),
        (E, N),
        (W, N),
        (W, my),
        (mx, my),
        (mx, N - 0.0005),
        (W + 0.001, N - 0.0005),
        (W + 0.001, S + 0.0005),
        (W, S + 0.0005),
        (W, S),
    ]
    assert "twee keer omrand" in refusal(Polygon(ring), gemeente)


def test_a_spike_out_and_back_is_refused(gemeente):
    ring = [(W, S), (E, S), (E, N), (E + 0.002, N + 0.002), (E, N), (W, N), (W, S)]
    assert "heen en terug over dezelfde lijn" in refusal(Polygon(ring), gemeente)


def test_a_bow_tie_is_repaired_into_its_two_triangles_and_said(gemeente):
    bowtie = Polygon([(W, S), (E, N), (E, S), (W, N), (W, S)])
    checked = check(bowtie, gemeente)
    assert checked.geometry.geom_type == "MultiPolygon" and len(checked.geometry.geoms) == 2
    assert checked.m2 == pytest.approx(area_m2(Polygon(SHELL)) / 2, rel=1e-3)
    assert any(REPAIRED in note for note in checked.notes)


def test_duplicate_points_and_either_orientation_are_fine_without_a_note(gemeente):
    doubled = [SHELL[0], SHELL[1], SHELL[1], SHELL[2], SHELL[3], SHELL[3], SHELL[4]]
    for ring in (doubled, SHELL[::-1]):
        checked = check(Polygon(ring), gemeente)
        assert checked.notes == [] and checked.m2 == pytest.approx(area_m2(Polygon(SHELL)), rel=1e-6)


def test_a_hole_inside_its_shell_stays_a_hole(gemeente):
    hole = [(W + 0.001, S + 0.0005), (W + 0.002, S + 0.0005), (W + 0.002, S + 0.0015), (W + 0.001, S + 0.0015)]
    checked = check(Polygon(SHELL, [hole]), gemeente)
    assert checked.m2 == pytest.approx(area_m2(Polygon(SHELL)) - area_m2(Polygon(hole)), rel=1e-6)


def test_overlapping_parts_of_a_multipolygon_are_merged_and_said(gemeente):
    right = [(W + 0.002, S), (E + 0.002, S), (E + 0.002, N), (W + 0.002, N)]
    checked = check(MultiPolygon([Polygon(SHELL), Polygon(right)]), gemeente)
    assert checked.m2 == pytest.approx(area_m2(Polygon(SHELL).union(Polygon(right))), rel=1e-6)
    assert any("samengevoegd" in note for note in checked.notes)


def test_a_broken_drawing_is_judged_even_beside_picked_buurten(gemeente, buurten):
    # Before, the parts of a form were made valid before the checks saw them.
    buurt = next(w.geometry for w in buurten if w.name == "Postiljon")
    combined = combine_areas([Polygon(SHELL, [SHELL]), buurt])
    assert "er blijft niets over" in refusal(combined, gemeente)


def test_drawn_picked_and_uploaded_parts_together_are_the_area(gemeente, buurten):
    """Each part a form gives counts, however it came (a collection of picked buurten is opened up)."""
    picked = shapely.GeometryCollection([w.geometry for w in buurten[:2]])
    drawn = Polygon(SHELL)
    combined = combine_areas([drawn, picked])
    assert combined.geom_type == "GeometryCollection" and len(shapely.get_parts(combined)) == 3
    assert combine_areas([drawn]) is drawn  # one part is passed on as it is, unrepaired
    assert combine_areas([]) is None
    assert check(combined, gemeente).m2 == pytest.approx(area_m2(shapely.union_all([drawn, picked])), rel=1e-6)


def test_too_small_says_both_areas_the_dutch_way(gemeente):
    """The refusal names the drawn area and the minimum with points between thousands: 1.234 m², 2.000 m²."""
    small = Polygon([(W, S), (W + 0.0005, S), (W + 0.0005, S + 0.0003), (W, S + 0.0003)])
    message = refusal(small, gemeente)
    assert re.search(r"Het gebied is te klein \(1\.\d{3} m²; minstens 2\.000 m², een paar huizen\)", message)
    with pytest.raises(AreaRefused) as caught:
        check_area(Polygon(SHELL), gemeente, min_m2=1_234_567)
    assert "minstens 1.234.567 m²" in caught.value.message


HOLE_OUTSIDE = [(E + 0.001, S), (E + 0.002, S), (E + 0.002, S + 0.001), (E + 0.001, S + 0.001)]
HOLE_ACROSS = [(W + 0.001, S + 0.001), (E + 0.001, S + 0.001), (E + 0.001, S + 0.002), (W + 0.001, S + 0.002)]
HOLE_NOTCH = [(W, S + 0.0005), (W + 0.001, S + 0.0005), (W + 0.001, S + 0.0015), (W, S + 0.0015)]
HOLE_BOWTIE = [(W + 0.001, S + 0.001), (W + 0.002, S + 0.002), (W + 0.002, S + 0.001), (W + 0.001, S + 0.002)]


@pytest.mark.parametrize(
    "hole, message",
    [
        (SHELL, "Een gat in het gebied is even groot als het gebied zelf (of groter): er blijft niets over."),
        (
            HOLE_OUTSIDE,
            "Een gat ligt buiten de buitenrand van het gebied. Een gat moet binnen het gebied liggen; teken "
            "een los stuk als een eigen vlak.",
        ),
        (
            HOLE_ACROSS,
            "De rand van een gat kruist de buitenrand van het gebied. Een gat moet binnen het gebied liggen.",
        ),
        (
            HOLE_NOTCH,
            "Een gat raakt de buitenrand van het gebied over een stuk lijn. Teken de buitenrand om het gat "
            "heen, of laat het gat binnen het gebied liggen.",
        ),
        (HOLE_BOWTIE, "Een gat in het gebied kruist zichzelf of heeft geen oppervlakte."),
    ],
)
def test_a_refused_hole_is_explained_in_full(gemeente, hole, message):
    """The resident reads the whole reason, word for word as written for them (not a fragment of it)."""
    assert refusal(Polygon(SHELL, [hole]), gemeente) == message


MX, MY = (W + E) / 2, (S + N) / 2
TWICE_AROUND = [
    (W, S),
    (E, S),
    (E, N),
    (W, N),
    (W, MY),
    (MX, MY),
    (MX, N - 0.0005),
    (W + 0.001, N - 0.0005),
    (W + 0.001, S + 0.0005),
    (W, S + 0.0005),
    (W, S),
]
SPIKE = [(W, S), (E, S), (E, N), (E + 0.002, N + 0.002), (E, N), (W, N), (W, S)]


@pytest.mark.parametrize(
    "geom, message",
    [
        (
            Polygon(TWICE_AROUND),
            "De buitenrand van het gebied kruist zichzelf zo dat niet duidelijk is wat binnen ligt: "
            "een deel wordt twee keer omrand. Teken het gebied opnieuw.",
        ),
        (
            Polygon(SPIKE),
            "De buitenrand van het gebied gaat ergens heen en terug over dezelfde lijn. Teken het gebied opnieuw.",
        ),
        (None, "Geef het gebied van de groep: teken het op de kaart, kies buurten of upload een bestand."),
        (shapely.LineString(SHELL), "Het gebied moet een vlak zijn (Polygon of MultiPolygon), geen LineString."),
        (shapely.box(4.0, 51.0, 6.0, 53.0), "Het gebied is groter dan heel Laren. Kies een kleiner gebied."),
        (shapely.box(5.0, 52.0, 5.01, 52.01), "Het gebied ligt helemaal buiten Laren."),
    ],
)
def test_a_refused_area_is_explained_in_full(gemeente, geom, message):
    """The resident reads the whole reason, with the municipality's name, word for word."""
    assert refusal(geom, gemeente) == message


def test_repairs_are_told_in_full_once(gemeente):
    bowtie = Polygon([(W, S), (E, N), (E, S), (W, N), (W, S)])
    assert check(MultiPolygon([bowtie]), gemeente).notes == [
        "De vorm kruiste zichzelf; die is hersteld. Controleer het gebied op de kaart."
    ]
    right = [(W + 0.002, S), (E + 0.002, S), (E + 0.002, N), (W + 0.002, N)]
    assert check(MultiPolygon([Polygon(SHELL), Polygon(right)]), gemeente).notes == [
        "Delen van het gebied overlapten elkaar of raakten elkaar over een lijn; ze zijn samengevoegd."
    ]


def test_an_upload_is_read_as_text_bytes_or_an_already_parsed_object():
    square = {"type": "Polygon", "coordinates": [[list(p) for p in SHELL]]}
    feature = {"type": "Feature", "properties": {}, "geometry": square}
    for upload in (square, feature, json.dumps(feature), json.dumps(feature).encode()):
        assert parse_geojson_area(upload).equals(Polygon(SHELL))


@pytest.mark.parametrize("upload", ["[1, 2]", b"5", [1, 2]])
def test_an_upload_that_is_no_geojson_object_is_refused_at_the_area_field(upload):
    with pytest.raises(AreaRefused) as caught:
        parse_geojson_area(upload)
    assert caught.value.message == "Het bestand is geen geldig GeoJSON." and caught.value.field == "gebied"


def test_a_feature_collection_upload_is_all_its_features(gemeente):
    right = [(W + 0.004, S), (E + 0.004, S), (E + 0.004, N), (W + 0.004, N), (W + 0.004, S)]
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [SHELL]}},
            {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [right]}},
        ],
    }
    area = parse_geojson_area(json.dumps(collection))
    assert area.geom_type == "GeometryCollection" and area.equals(shapely.union_all([Polygon(SHELL), Polygon(right)]))


@pytest.mark.parametrize(
    "upload, message",
    [
        ({"type": "FeatureCollection", "features": []}, "Er staat geen gebied in het bestand."),
        (
            {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[5.2, "x"]]]}},
            "Het gebied in het bestand heeft ongeldige coördinaten.",
        ),
        (
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [5.2, 52.25]}},
            "Het gebied moet een vlak zijn (Polygon of MultiPolygon), geen Point.",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[155000, 463000], [155100, 463000], [155100, 463100], [155000, 463000]]],
            },
            "De coördinaten zijn geen lengte- en breedtegraden (WGS84).",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [5.2, 52.25]}},
                    {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [SHELL]}},
                    {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": SHELL}},
                ],
            },
            "Het gebied moet een vlak zijn (Polygon of MultiPolygon), geen LineString, Point.",
        ),
        (
            {"type": "Polygon", "crs": {"type": "name", "properties": {"name": "EPSG:99999"}}, "coordinates": [SHELL]},
            "Het coördinatenstelsel EPSG:99999 van het bestand is onbekend.",
        ),
        *(
            (
                {"type": "Polygon", "coordinates": [[[x, y], [x, y + 0.01], [x + 0.01, y], [x, y]]]},
                "De coördinaten zijn geen lengte- en breedtegraden (WGS84).",
            )
            for x, y in [(180.0, 52.0), (-180.5, 52.0), (5.0, 90.0), (5.0, -90.5)]
        ),  # just past the globe's edges
    ],
)
def test_an_unusable_upload_is_explained_in_full(upload, message):
    with pytest.raises(AreaRefused) as caught:
        parse_geojson_area(upload)
    assert caught.value.message == message


@pytest.mark.parametrize(
    "bounds", [(-180.0, 0.0, -179.0, 1.0), (179.0, 0.0, 180.0, 1.0), (0.0, -90.0, 1.0, -89.0), (0.0, 89.0, 1.0, 90.0)]
)
def test_coordinates_up_to_the_edges_of_the_globe_are_degrees(bounds):
    """From -180 to 180 degrees east and -90 to 90 north is WGS84, edges included (such an area is then refused
    as lying outside the municipality, not as being in the wrong coordinates)."""
    ring = [list(p) for p in shapely.box(*bounds).exterior.coords]
    assert parse_geojson_area({"type": "Polygon", "coordinates": [ring]}).bounds == bounds


def test_a_hole_the_size_of_its_shell_is_refused_saying_nothing_is_left():
    with pytest.raises(AreaRefused) as caught:
        _checked_hole(Polygon(SHELL), Polygon(SHELL))
    assert caught.value.message == (
        "Een gat in het gebied is even groot als het gebied zelf (of groter): er blijft niets over."
    )


# A square municipality of about 2.7 by 2.2 km, so that what lies inside, outside or across its border is exact.
GW, GS, GE, GN = 5.20, 52.24, 5.24, 52.26
SQUARE_GEMEENTE = shapely.box(GW, GS, GE, GN)


def square_check(geom, **options):
    return check_area(geom, SQUARE_GEMEENTE, gemeentenaam="Vierkant", **options)


def square_refusal(geom, **options) -> str:
    with pytest.raises(AreaRefused) as caught:
        square_check(geom, **options)
    return caught.value.message


def test_at_most_five_thousand_corner_points_and_the_refusal_says_how_many(gemeente):
    """A drawing of 5,000 points (the first repeated at the end) is checked; one more is refused before any
    costly repair, naming both numbers."""
    from geo_registry.domain.areas import MAX_VERTICES

    def ring(count):  # count coordinates, the last equal to the first
        angles = [2 * math.pi * i / (count - 1) for i in range(count - 1)]
        points = [((W + E) / 2 + 0.0015 * math.cos(a), (S + N) / 2 + 0.001 * math.sin(a)) for a in angles]
        return Polygon(points + points[:1])

    assert shapely.get_num_coordinates(ring(MAX_VERTICES)) == MAX_VERTICES
    assert check(ring(MAX_VERTICES), gemeente).m2 > 2_000
    assert refusal(ring(MAX_VERTICES + 1), gemeente) == (
        f"Het gebied heeft te veel hoekpunten ({MAX_VERTICES + 1}; hoogstens {MAX_VERTICES}). Vereenvoudig de vorm."
    )


def test_the_whole_municipality_is_an_area_and_a_much_larger_one_is_refused():
    """An area as large as the municipality (up to 5% more, for a border drawn by hand) is taken, clipped to it;
    one of about 1.4 times the municipality is refused."""
    assert square_check(SQUARE_GEMEENTE).m2 == pytest.approx(area_m2(SQUARE_GEMEENTE))
    larger = shapely.affinity.scale(SQUARE_GEMEENTE, 1.2, 1.2)
    assert square_refusal(larger) == "Het gebied is groter dan heel Vierkant. Kies een kleiner gebied."


def test_an_area_touching_the_municipality_by_a_sliver_lies_outside_it():
    """Sharing less than a square metre with the municipality is lying outside it; sharing a few is not."""
    height = 0.002  # about 220 m along the eastern border
    sliver = shapely.box(GE - 1e-9, GS + 0.01, GE + 0.003, GS + 0.01 + height)  # shares about 0.02 m²
    assert square_refusal(sliver) == "Het gebied ligt helemaal buiten Vierkant."
    strip = shapely.box(GE - 1e-7, GS + 0.01, GE + 0.003, GS + 0.01 + height)  # shares about 1.5 m²
    assert 1 < area_m2(strip.intersection(SQUARE_GEMEENTE)) < 2
    assert square_check(strip, min_m2=0).m2 == pytest.approx(area_m2(strip.intersection(SQUARE_GEMEENTE)))


def test_the_part_outside_the_municipality_is_left_out_and_said_with_its_size():
    """What lies outside the municipality is cut off, and the note says how much, the Dutch way; a cut of more than
    a square metre is said, however thin."""
    across = shapely.box(GE - 0.003, GS + 0.01, GE + 0.001, GS + 0.012)
    outside = area_m2(across) - area_m2(across.intersection(SQUARE_GEMEENTE))
    checked = square_check(across)
    assert checked.m2 == pytest.approx(area_m2(across.intersection(SQUARE_GEMEENTE)))
    assert 10_000 < outside < 100_000
    assert checked.notes == [
        f"Het deel buiten Vierkant ({round(outside) // 1000}.{round(outside) % 1000:03d} m²) is weggelaten."
    ]
    thin = shapely.box(GE - 0.003, GS + 0.01, GE + 1e-7, GS + 0.012)  # about 1.5 m² outside
    assert square_check(thin).notes == ["Het deel buiten Vierkant (2 m²) is weggelaten."]


def test_a_collection_without_a_surface_is_not_an_area():
    """A GeometryCollection of a point and a line (an upload of markers) is refused as not being a surface."""
    markers = shapely.GeometryCollection(
        [shapely.Point(5.21, 52.25), shapely.LineString([(5.21, 52.25), (5.22, 52.25)])]
    )
    assert (
        square_refusal(markers) == "Het gebied moet een vlak zijn (Polygon of MultiPolygon), geen GeometryCollection."
    )


def test_buurten_not_in_the_list_are_refused(buurten):
    """Picked buurten make the area together; a code that is not one of the list is refused, not skipped."""
    from geo_registry.domain.areas import area_from_buurten

    first, second = buurten[0], buurten[1]
    both = area_from_buurten([first.code, second.code], buurten)
    assert both.area == pytest.approx(shapely.union_all([first.geometry, second.geometry]).area)
    with pytest.raises(AreaRefused) as caught:
        area_from_buurten([first.code, "BU04179999"], buurten)
    assert caught.value.message == "Kies buurten uit de lijst."


def test_overlapping_groups_are_named_largest_overlap_first_but_not_the_group_itself():
    """The groups an area shares more than a square metre with, with their share of it, the largest first; the
    group whose own area is being changed is not an overlap of itself."""
    from types import SimpleNamespace

    from geo_registry.domain.areas import find_overlaps

    area = shapely.box(GW + 0.01, GS + 0.005, GW + 0.02, GS + 0.01)
    m2 = area_m2(area)

    def group(group_id, name, geom):
        return SimpleNamespace(id=group_id, name=name, area=geom)

    groups = [
        group(1, "Elders", shapely.box(GE - 0.005, GN - 0.005, GE, GN)),  # does not touch it
        group(2, "Rand", shapely.box(GW + 0.02 - 4e-8, GS + 0.005, GW + 0.03, GS + 0.01)),  # ~1.5 m²
        group(3, "Half", shapely.box(GW + 0.015, GS, GW + 0.03, GN)),
        group(4, "Zelf", area),
    ]
    found = find_overlaps(area, m2, groups, exclude_group_id=4)
    assert [(o.group_id, o.group_name) for o in found] == [(3, "Half"), (2, "Rand")]
    assert found[0].share_of_new == pytest.approx(0.5, rel=0.01) and found[0].m2 == pytest.approx(m2 / 2, rel=0.01)
    assert 1 < found[1].m2 < 2
    assert [o.group_id for o in find_overlaps(area, m2, groups)] == [4, 3, 2]
    # The check of a changed area says the same, without the group itself.
    checked = square_check(area, groups=groups, exclude_group_id=4)
    assert [(o.group_id, round(o.share_of_new, 2)) for o in checked.overlaps] == [(3, 0.5), (2, 0.0)]


def test_too_small_is_explained_in_full():
    """The whole reason, word for word, not only its gist."""
    small = shapely.box(GW + 0.01, GS + 0.01, GW + 0.0105, GS + 0.0103)
    assert re.fullmatch(
        r"Het gebied is te klein \(1\.\d{3} m²; minstens 2\.000 m², een paar huizen\)\.", square_refusal(small)
    )
