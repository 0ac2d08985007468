"""The Folium map of neighbourhoods and groups, rendered into the app's own pages."""
from __future__ import annotations

import re
from dataclasses import dataclass

import folium
from branca.element import MacroElement
from jinja2 import Template
from markupsafe import Markup

from ..config import CBS_ATTRIBUTION, tiles_setting
from ..geometry import simplify_for_display, to_geojson_mapping
from ..spatial import Snapshot
from .assets import vendor_url

# Colour-blind-safe colours (Okabe-Ito first); a group keeps its colour while its id does.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#882255",
           "#117733", "#AA4499", "#332288", "#994F00", "#44AA99"]

# Folium's asset names -> our vendored files; names mapped to None are not needed by our maps.
ASSETS = {
    "leaflet": ("leaflet", "leaflet.js"),
    "leaflet_css": ("leaflet", "leaflet.css"),
    "jquery": None, "bootstrap": None, "awesome_markers": None, "bootstrap_css": None,
    "glyphicons_css": None, "awesome_markers_font_css": None, "awesome_markers_css": None,
    "awesome_rotate_css": None,
}


def group_colour(group_id: int) -> str:
    """Return the map colour of a group."""
    return PALETTE[(group_id or 0) % len(PALETTE)]


def groups_collection(groups, simplify: bool = False) -> dict:
    """Return the groups as a GeoJSON FeatureCollection with public properties only."""
    features = []
    for group in groups:
        area = simplify_for_display(group.area) if simplify else group.area
        features.append({
            "type": "Feature", "id": group.id, "geometry": to_geojson_mapping(area),
            "properties": {"id": group.id, "name": group.name, "is_example": group.is_example,
                           "colour": group_colour(group.id)},
        })
    return {"type": "FeatureCollection", "features": features}


def wijken_collection(wijken) -> dict:
    """Return the neighbourhoods as a GeoJSON FeatureCollection."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": w.code, "geometry": to_geojson_mapping(w.geometry),
         "properties": {"code": w.code, "name": w.name, "wijkcode": w.wijkcode, "gemeentecode": w.gemeentecode}}
        for w in wijken]}


class ClickToLookup(MacroElement):
    """Hands the Leaflet map to the app's own script, which answers a click on the map."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        if (window.GeoRegistry) { GeoRegistry.attachMap({{ this._parent.get_name() }}, {{ this.options|tojson }}); }
        {% endmacro %}
    """)

    def __init__(self, options: dict):
        super().__init__()
        self._name = "ClickToLookup"
        self.options = options


@dataclass(frozen=True)
class MapParts:
    """The pieces of a rendered map to place in a page's head, body and end of body."""

    header: Markup
    html: Markup
    script: Markup


def localise_assets(element) -> None:
    """Point every asset of element and its children to the app's own copies."""
    for attr in ("default_js", "default_css"):
        if hasattr(element, attr):
            links = []
            for name, url in getattr(element, attr, []):
                if name not in ASSETS:
                    raise RuntimeError(f"Folium asset {name} ({url}) has no local copy")
                if ASSETS[name]:
                    links.append((name, vendor_url(*ASSETS[name])))
            setattr(element, attr, links)
    for child in element._children.values():
        localise_assets(child)


def build_map(snapshot: Snapshot, config, marker: tuple[float, float] | None = None,
              answer_url: str = "") -> MapParts:
    """Render the map of neighbourhoods and active groups, with an optional marker."""
    fmap = folium.Map(location=None, tiles=None, zoom_start=13, control_scale=True, max_zoom=19)
    tiles, kind = tiles_setting(config["TILES"])
    if tiles:
        attribution = config["TILES_ATTRIBUTION"] if kind == "pdok" else config.get("TILES_ATTRIBUTION", "")
        folium.TileLayer(tiles=tiles, attr=attribution, name="Achtergrondkaart", max_zoom=19).add_to(fmap)
    folium.GeoJson(
        wijken_collection(snapshot.wijken), name="Buurten", attribution=CBS_ATTRIBUTION,
        style_function=lambda f: {"color": "#333333", "weight": 2, "fillOpacity": 0.04, "dashArray": "4 4"},
        tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=["Buurt"]),
    ).add_to(fmap)
    if snapshot.groups:
        folium.GeoJson(
            groups_collection(snapshot.groups, simplify=True), name="WhatsApp-groepen",
            style_function=lambda f: {"color": f["properties"]["colour"], "fillColor": f["properties"]["colour"],
                                      "weight": 3, "fillOpacity": 0.25},
            highlight_function=lambda f: {"weight": 5, "fillOpacity": 0.4},
            tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=["WhatsApp-groep"]),
        ).add_to(fmap)
    minx, miny, maxx, maxy = snapshot.gemeente.bounds
    if marker:
        # The marker itself is placed by map.js, the one place that also moves it on a click.
        fmap.location, fmap.options["zoom"] = list(marker), 16
    else:
        fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    ClickToLookup({"answerUrl": answer_url, "marker": list(marker) if marker else None}).add_to(fmap)
    return render_parts(fmap)


def render_parts(fmap: folium.Map) -> MapParts:
    """Render a Folium map into page parts, without Folium's page-wide styles."""
    localise_assets(fmap)
    root = fmap.get_root()
    root.render()
    # Folium's own page header sets a zoom-blocking viewport and full-page styles; our base.html
    # provides the page, so keep only the asset links and the element styles.
    for name in ("meta_http", fmap.get_name()):
        root.header._children.pop(name, None)
    header = root.header.render()
    if re.search(r"""(src|href)=["']https?://""", header):
        raise RuntimeError("map header links to another origin")
    script = Markup("<script>\n") + Markup(root.script.render()) + Markup("\n</script>")
    return MapParts(Markup(header), Markup(root.html.render()), script)
