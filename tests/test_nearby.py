"""Groups near a point that no group covers: distances measured in RD New to the area's edge, nearest first."""

from __future__ import annotations

import shapely

from geo_registry.core.geometry import RD_NEW, WGS84, reproject, transformer
from geo_registry.domain.groups import Group
from geo_registry.spatial.nearby import nearby_groups, search_box
from geo_registry.spatial.register import GroupIndex


def rd_square(x0, y0, side=100.0):
    """A square drawn in RD New metres, stored (as groups are) in WGS84."""
    return reproject(shapely.box(x0, y0, x0 + side, y0 + side), RD_NEW, WGS84)


def at_rd(x, y):
    """(lat, lon) of an RD New point."""
    lon, lat = transformer(RD_NEW, WGS84).transform(x, y)
    return lat, lon


def group(group_id, name, area):
    return Group(group_id, name, area, "Beheerder", f"b{group_id}@voorbeeld.invalid")


POINT = (143000.0, 474000.0)
GROUPS = [
    group(1, "Oost", rd_square(143200, 473950)),  # its west edge 200 m east of the point
    group(2, "Noordwest", rd_square(142850, 474050)),  # its corner (142950, 474050): 70.7 m away
    group(3, "Zuid", rd_square(142950, 473400)),  # its north edge 500 m south
    group(4, "Ver weg", rd_square(144100, 474000)),  # 1,100 m east: beyond walking distance
    group(5, "Noord", rd_square(142950, 474900)),  # 900 m north
]


def test_distances_are_metres_to_the_area_edge_nearest_first():
    found = nearby_groups(GroupIndex(GROUPS).in_bounds, *at_rd(*POINT))
    assert [(n.group.name, n.metres) for n in found] == [("Noordwest", 71), ("Oost", 200), ("Zuid", 500)]


def test_only_groups_within_a_kilometre_and_at_most_three():
    found = nearby_groups(GroupIndex(GROUPS).in_bounds, *at_rd(*POINT), limit=10)
    assert [(n.group.name, n.metres) for n in found] == [
        ("Noordwest", 71),
        ("Oost", 200),
        ("Zuid", 500),
        ("Noord", 900),
    ]
    assert all(n.group.name != "Ver weg" for n in found)
    assert len(nearby_groups(GroupIndex(GROUPS).in_bounds, *at_rd(*POINT))) == 3


def test_no_groups_no_answer_and_public_fields_only():
    assert nearby_groups(GroupIndex([]).in_bounds, *at_rd(*POINT)) == []
    [nearest] = nearby_groups(GroupIndex(GROUPS).in_bounds, *at_rd(*POINT), limit=1)
    assert nearest.to_public() == {"id": 2, "name": "Noordwest", "is_example": False, "distance_m": 71}


def test_the_search_box_holds_the_whole_circle():
    """Every point 1 km from the point, all round, lies in the box the group index is asked for."""
    lat, lon = at_rd(*POINT)
    minx, miny, maxx, maxy = search_box(lat, lon, 1000.0)
    circle = reproject(shapely.Point(POINT).buffer(1000.0, quad_segs=64), RD_NEW, WGS84)
    assert shapely.box(minx, miny, maxx, maxy).contains(circle)
    assert (maxx - minx) < 0.04 and (maxy - miny) < 0.02  # about 2 km, not the whole country


def test_a_group_just_inside_the_radius_is_found_and_just_outside_is_not():
    near = group(6, "Rand", rd_square(143000 + 999.4, 474000 - 50))
    far = group(7, "Buiten", rd_square(143000 - 1100.6, 474000 - 50))
    found = nearby_groups(GroupIndex([near, far]).in_bounds, *at_rd(*POINT))
    assert [(n.group.name, n.metres) for n in found] == [("Rand", 999)]


def test_kept_rd_areas_follow_a_changed_area_and_stay_bounded():
    """The RD New areas are kept between lookups, but a group whose area changed is measured anew."""
    from geo_registry.spatial.nearby import RDAreas

    kept = RDAreas(most=2)
    first = nearby_groups(GroupIndex(GROUPS).in_bounds, *at_rd(*POINT), rd_areas=kept)
    assert [(n.group.name, n.metres) for n in first] == [("Noordwest", 71), ("Oost", 200), ("Zuid", 500)]
    moved = group(1, "Oost", rd_square(143050, 473950))  # the same group, its area moved 150 m closer
    second = nearby_groups(GroupIndex([moved] + GROUPS[1:]).in_bounds, *at_rd(*POINT), rd_areas=kept)
    assert [(n.group.name, n.metres) for n in second] == [("Oost", 50), ("Noordwest", 71), ("Zuid", 500)]
    assert len(kept._known) <= 2


def test_the_nearest_three_are_those_a_full_measure_of_every_group_gives():
    """Nearest first, then by name, at most three within 1 km: the same as measuring every group, at many points,
    with groups at equal distances (the same area twice) so that the names decide, and long thin areas at every
    angle, whose bounding boxes say little about how near they are."""
    import random

    from shapely import affinity

    from geo_registry.spatial.coverage import to_rd_many

    def strip(x, y):
        """A street-long strip, 400 by 20 m, turned by a random angle about its centre."""
        turned = affinity.rotate(shapely.box(x - 200, y - 10, x + 200, y + 10), rng.uniform(0, 180))
        return reproject(turned, RD_NEW, WGS84)

    rng = random.Random(7)
    groups = [
        group(
            i + 1,
            f"G{rng.randrange(6)}",
            rd_square(142000 + 250 * (i % 8), 473000 + 250 * (i // 8), 100)
            if i % 2
            else strip(142000 + 250 * (i % 8), 473000 + 250 * (i // 8)),
        )
        for i in range(48)
    ]
    groups += [group(100 + i, f"G{rng.randrange(6)}", groups[i].area) for i in range(0, 48, 3)]  # exactly as near
    rd = dict(zip((g.id for g in groups), to_rd_many([g.area for g in groups])))  # as a lookup measures
    index = GroupIndex(groups).in_bounds
    for _ in range(200):
        x, y = 141500 + rng.random() * 3000, 472500 + rng.random() * 2500
        lat, lon = at_rd(x, y)
        point = shapely.Point(transformer(WGS84, RD_NEW).transform(lon, lat))
        measured = sorted((shapely.distance(rd[g.id], point), g.name, g.id) for g in groups)
        expected = [(gid, int(round(d))) for d, _, gid in measured if d <= 1000][:3]
        assert [(n.group.id, n.metres) for n in nearby_groups(index, lat, lon)] == expected, (x, y)
