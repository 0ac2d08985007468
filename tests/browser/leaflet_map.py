"""The page's Leaflet map as a test reaches it: where a point of the map lies on the page, and how the map is
fitted."""

from __future__ import annotations

import shapely

# The Folium map object of the page, as a JavaScript expression.
FIND_MAP = "window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))]"


def map_point(page, lat, lon) -> tuple[float, float]:
    """Return the page coordinates of (lat, lon) on the page's Leaflet map."""
    return tuple(
        page.evaluate(
            """([lat, lon]) => {
            const name = Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k));
            const map = window[name];
            const p = map.latLngToContainerPoint([lat, lon]);
            const box = map.getContainer().getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }""",
            [lat, lon],
        )
    )


def fitted_to(page, buurten) -> list:
    """[whether the map shows all the buurten, its zoom, the zoom that fits them]: a map fitted to the
    municipality shows them all at exactly the zoom that fits them."""
    minx, miny, maxx, maxy = shapely.union_all([b.geometry for b in buurten]).bounds
    return page.evaluate(
        f"""([s, w, n, e]) => {{
        const map = {FIND_MAP}, bounds = L.latLngBounds([s, w], [n, e]);
        return [map.getBounds().contains(bounds), map.getZoom(), map.getBoundsZoom(bounds)];
    }}""",
        [miny, minx, maxy, maxx],
    )


def settled_box(page, locator) -> dict:
    """The bounding box of locator once it stops moving (a map still scrolling or panning into view moves its
    markers between two reads, and a drag begun at the old place misses them)."""
    box = locator.bounding_box()
    for _ in range(50):
        page.wait_for_timeout(100)
        again = locator.bounding_box()
        if again == box:
            return box
        box = again
    raise AssertionError(f"{locator} kept moving")
