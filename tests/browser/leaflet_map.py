"""The page's Leaflet map as a test reaches it: where a point of the map lies on the page."""
from __future__ import annotations


def map_point(page, lat, lon) -> tuple[float, float]:
    """Return the page coordinates of (lat, lon) on the page's Leaflet map."""
    return tuple(page.evaluate(
        """([lat, lon]) => {
            const name = Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k));
            const map = window[name];
            const p = map.latLngToContainerPoint([lat, lon]);
            const box = map.getContainer().getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }""", [lat, lon]))
