"""The Folium map of neighbourhoods and groups, rendered into the app's own pages."""

from __future__ import annotations

import contextlib
import functools
import re
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

import shapely
import shapely.ops
from flask import url_for
from flask_babel import ngettext
from jinja2 import Template
from markupsafe import Markup

from geo_registry.core.config import CBS_ATTRIBUTION, tile_url
from geo_registry.core.geometry import simplify_for_display, to_geojson_mapping
from geo_registry.core.text import _
from geo_registry.spatial.gemeenten import served_from_config
from geo_registry.spatial.public import PALETTE, buurten_collection, groups_collection
from geo_registry.spatial.register import Snapshot
from geo_registry.web.assets import vendor_url

if TYPE_CHECKING:
    import folium
    from branca.element import Figure

# Folium's asset names -> our vendored files; names mapped to None are not needed by our maps.
ASSETS = {
    "leaflet": ("leaflet", "leaflet.js"),
    "leaflet_css": ("leaflet", "leaflet.css"),
    "leaflet_draw_js": ("leaflet-draw", "leaflet.draw.js"),
    "leaflet_draw_css": ("leaflet-draw", "leaflet.draw.css"),
    "jquery": None,
    "bootstrap": None,
    "awesome_markers": None,
    "bootstrap_css": None,
    "glyphicons_css": None,
    "awesome_markers_font_css": None,
    "awesome_markers_css": None,
    "awesome_rotate_css": None,
}


def group_swatch(group_id: int) -> str:
    """Return the CSS class that gives a group's legend swatch its map colour (site.css has one per colour of
    spatial.public.PALETTE: the policy allows no inline style)."""
    return f"swatch-colour-{(group_id or 0) % len(PALETTE)}"


def js_texts() -> dict:
    """The words the map's own script shows, in the request's language."""
    return {
        "searching": _("Even zoeken…"),
        "failed": _("Het antwoord kon niet worden opgehaald. Probeer het nog eens."),
        "chosenPoint": _("Gekozen punt"),
        "foundAddress": _("Gevonden adres"),
        "join": _("Aanmelden bij deze groep"),
        "example": _("voorbeeld"),
        # One and more than one, with the placeholder kept as text: the script picks the form and fills it in.
        "drawn": [
            ngettext("Getekend: %(parts)s deel.", "Getekend: %(parts)s delen.", n, parts="%(parts)s") for n in (1, 2)
        ],
        "nothingDrawn": _("Nog niets getekend."),
        "picked": _("Gekozen buurten: %(num)s."),
        "stop": _("Stoppen"),
        "stopTitle": _("Tekenen stoppen"),
        "finish": _("Klaar"),
        "finishTitle": _("Tekenen afronden"),
        "undo": _("Laatste punt wissen"),
        "polygon": _("Teken een veelhoek"),
        "rectangle": _("Teken een rechthoek"),
        "polygonStart": _("Klik om de eerste hoek te zetten."),
        "polygonCont": _("Klik om de volgende hoek te zetten."),
        "polygonEnd": _("Klik op de eerste hoek om af te ronden."),
        "rectangleStart": _("Klik en sleep om een rechthoek te tekenen."),
        "shapeEnd": _("Laat los om af te ronden."),
        "save": _("Bewaren"),
        "saveTitle": _("Wijzigingen bewaren"),
        "cancel": _("Annuleren"),
        "cancelTitle": _("Wijzigingen annuleren"),
        "clearAll": _("Alles wissen"),
        "edit": _("Gebied aanpassen"),
        "remove": _("Deel verwijderen"),
        "editTip": _("Sleep de hoeken om het gebied aan te passen."),
        "removeTip": _("Klik op een deel om het te verwijderen."),
        "zoomIn": _("Inzoomen"),
        "zoomOut": _("Uitzoomen"),
        "crossing": _("De randen van het gebied mogen elkaar niet kruisen."),
        "editUndo": _("Kies Annuleren om de wijzigingen ongedaan te maken."),
        "nothingToEdit": _("Er is nog geen gebied om aan te passen."),
        "nothingToRemove": _("Er is nog geen gebied om te verwijderen."),
        "group": _("WhatsApp-groep"),
        "buurt": _("Buurt"),
        "groups": [ngettext("%(count)s groep", "%(count)s groepen", n, count="%(count)s") for n in (1, 2)],
    }


@contextlib.contextmanager
def _without(name: str):
    """Within the block, importing name fails as if it were not installed (unless it is imported already)."""
    if name in sys.modules:
        yield
        return
    sys.modules[name] = None  # type: ignore[assignment]  # Python's own marker: "import name" raises ImportError
    try:
        yield
    finally:
        if sys.modules.get(name) is None:
            del sys.modules[name]


@functools.cache
def folium_module() -> ModuleType:
    """Folium (with its Draw plugin), imported when a process renders its first map, not when the app is made:
    folium and branca cost a served process 0.8 s of CPU at its start (issue 24)."""
    # folium imports pandas if it is installed, only to accept DataFrames, which no map here passes; pandas alone
    # is 1 s and 40 MiB more per process. No served code imports pandas, so hiding it cannot race another import.
    with _without("pandas"):
        import folium
        import folium.plugins
    return folium


@functools.cache
def _app_hook_class() -> type:
    """AppHook, defined on first use: it subclasses branca's MacroElement (see folium_module)."""
    from branca.element import MacroElement

    folium_module()

    class AppHook(MacroElement):
        """Hands a Leaflet map (and named layers) to the app's own script, GeoRegistry.<function>."""

        _template = Template("""
            {% macro script(this, kwargs) %}
            if (window.GeoRegistry) {
              GeoRegistry.{{ this.function }}({{ this._parent.get_name() }}, {{ this.options|tojson }}
                {%- for layer in this.layers %}, {{ layer.get_name() }}{% endfor %});
            }
            {% endmacro %}
        """)

        def __init__(self, function: str, options: dict, layers=()):
            super().__init__()
            self._name = "AppHook"
            self.function, self.options, self.layers = function, options, list(layers)

    return AppHook


def app_hook(function: str, options: dict, layers=()) -> Any:
    """An element that hands a Leaflet map (and named layers) to the app's own script, GeoRegistry.<function>."""
    return _app_hook_class()(function, options, layers)


def text_tooltip(layer: folium.GeoJson, fields: list[str], aliases: list[str]) -> folium.GeoJson:
    """Name each feature of layer on hover or tap: map.js builds the tooltip with textContent, because Folium's
    GeoJsonTooltip writes the properties (a group's or buurt's name) into innerHTML."""
    app_hook("bindTextTooltip", {"fields": fields, "aliases": aliases}).add_to(layer)
    return layer


@dataclass(frozen=True)
class MapParts:
    """The pieces of a rendered map to place in a page's head, body and end of body. The script is bare
    JavaScript: the page puts it in <script nonce="{{ csp_nonce() }}">, since rendered maps are cached and
    the nonce is new for every response."""

    header: Markup
    html: Markup
    script: Markup
    embedded: bool = True  # False: the map loads its groups per tile, so the page lists none of them either


def localise_assets(element) -> None:
    """Point every asset of element and its children to the app's own copies."""
    for attr in ("default_js", "default_css"):
        if hasattr(element, attr):
            links = []
            for name, url in getattr(element, attr, []):
                if name not in ASSETS:
                    raise RuntimeError(f"Folium asset {name} ({url}) has no local copy")
                asset = ASSETS[name]
                if asset:
                    links.append((name, vendor_url(*asset)))
            setattr(element, attr, links)
    for child in element._children.values():
        localise_assets(child)


def buurt_labels(buurten) -> list:
    """Where each buurt's name goes on the map, as [lat, lon, name]: inside the largest part, as far from its
    edges as possible (a centroid can fall outside a bent buurt)."""
    labels = []
    for buurt in buurten:
        part = max(shapely.get_parts(buurt.geometry), key=lambda p: p.area)
        point = shapely.ops.polylabel(part, tolerance=0.0001) if part.geom_type == "Polygon" else part.centroid
        labels.append([round(point.y, 6), round(point.x, 6), buurt.name])
    return labels


def embeds(snapshot: Snapshot, config) -> bool:
    """Whether a map carries its groups and buurten in the page (a register of a municipality or a few), or
    loads those in view per tile (/kaart/tegels; a register too large to embed, such as a national one)."""
    return len(snapshot.groups) + len(snapshot.buurten) <= config.MAP_EMBED_LIMIT


def tiles_hook(options: dict) -> Any:
    """The script that loads the groups and buurten of the tiles in view (map.js loadTiles)."""
    template = url_for("tiles.tile", z=0, x=0, y=0).replace("/0/0/0.json", "/{z}/{x}/{y}.json")
    return app_hook("loadTiles", {"url": template, "attribution": _(CBS_ATTRIBUTION), "texts": js_texts(), **options})


def base_map(snapshot: Snapshot, config, bounds: tuple[float, float, float, float] | None = None) -> folium.Map:
    """A map of the municipality's buurten on the configured basemap, fitted to bounds (minx, miny, maxx, maxy;
    the municipality by default; the buurten themselves only when the map embeds them)."""
    folium = folium_module()
    # Quarter zoom steps: fitted in whole steps, Laren filled half the frame or less (a step halves the scale).
    fmap = folium.Map(location=None, tiles=None, zoom_start=13, control_scale=True, max_zoom=19, zoom_snap=0.25)
    # First of the map's scripts: the words of the zoom and draw controls must be set before they are built.
    app_hook("prepareMap", {"texts": js_texts()}).add_to(fmap)
    tiles = tile_url(config.TILES)
    if tiles:
        configured = config.TILES_ATTRIBUTION
        attribution = _(configured) if configured else ""  # translated when it is the standard PDOK text
        folium.TileLayer(tiles=tiles, attr=attribution, name=_("Achtergrondkaart"), max_zoom=19).add_to(fmap)
    if embeds(snapshot, config):
        collection, fields, aliases = buurten_collection(snapshot.buurten), ["name"], [_("Buurt")]
        served = served_from_config(config)
        if served.several:  # name the municipality too, so that a buurt on the map says where it lies
            for feature in collection["features"]:
                gemeente = served.get(feature["properties"]["gemeentecode"])
                feature["properties"]["gemeente"] = gemeente.name if gemeente else ""
            fields, aliases = ["name", "gemeente"], [_("Buurt"), _("Gemeente")]
        text_tooltip(
            folium.GeoJson(
                collection,
                name=_("Buurten"),
                attribution=_(CBS_ATTRIBUTION),
                style_function=lambda f: {"color": "#333333", "weight": 2, "fillOpacity": 0.04, "dashArray": "4 4"},
            ),
            fields,
            aliases,
        ).add_to(fmap)
        app_hook("labelBuurten", {"labels": buurt_labels(snapshot.buurten)}).add_to(fmap)
    # One fit only: a second one runs after the map is ready and zooms there animated, so the page would first
    # show the municipality and then glide to the area (and anything measured meanwhile sits out of place).
    minx, miny, maxx, maxy = bounds or snapshot.base.bounds
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap


def groups_layer(groups, faint: bool = False) -> folium.GeoJson:
    """The groups' areas, each in its own colour, named on hover or tap."""
    folium = folium_module()
    opacity = 0.12 if faint else 0.25
    return text_tooltip(
        folium.GeoJson(
            groups_collection(groups, simplify=True),
            name=_("WhatsApp-groepen"),
            style_function=lambda f: {
                "color": f["properties"]["colour"],
                "fillColor": f["properties"]["colour"],
                "weight": 2 if faint else 3,
                "fillOpacity": opacity,
            },
            highlight_function=lambda f: {"weight": 5, "fillOpacity": 0.4},
        ),
        ["name"],
        [_("WhatsApp-groep")],
    )


def public_map(snapshot: Snapshot, config, lang: str, answer_url: str, join_url: str) -> MapParts:
    """The public map, rendered once per change of the groups and per language."""
    return snapshot.cached(("public", lang), lambda: build_map(snapshot, config, answer_url, join_url))


def draw_map(snapshot: Snapshot, config, lang: str, input_id: str) -> MapParts:
    """The drawing map, rendered once per change of the groups and per language."""
    return snapshot.cached(("draw", lang, input_id), lambda: build_draw_map(snapshot, config, input_id))


def build_map(snapshot: Snapshot, config, answer_url: str = "", join_url: str = "") -> MapParts:
    """Render the public map of buurten and active groups. It is the same for every visitor: the marker of
    an answer comes from the page (data-marker) and is placed by map.js, which also moves it on a click."""
    fmap = base_map(snapshot, config)
    layers = []
    if not embeds(snapshot, config):
        tiles_hook({"joinUrl": join_url, "answerUrl": answer_url}).add_to(fmap)
    elif snapshot.groups:
        layers.append(groups_layer(snapshot.groups).add_to(fmap))
    app_hook("attachMap", {"answerUrl": answer_url, "joinUrl": join_url, "texts": js_texts()}, layers).add_to(fmap)
    return render_parts(fmap, embedded=embeds(snapshot, config))


def build_draw_map(snapshot: Snapshot, config, input_id: str) -> MapParts:
    """Render a map on which a beheerder draws the group's area (polygons and rectangles); what was drawn
    before comes from the form's hidden field, which map.js reads."""
    folium = folium_module()
    fmap = base_map(snapshot, config)
    if not embeds(snapshot, config):
        tiles_hook({"faint": True}).add_to(fmap)
    elif snapshot.groups:
        groups_layer(snapshot.groups, faint=True).add_to(fmap)
    drawn_items = folium.FeatureGroup(name=_("Getekend gebied")).add_to(fmap)
    folium.plugins.Draw(
        feature_group=drawn_items,
        position="topleft",
        export=False,
        draw_options={
            "polyline": False,
            "circle": False,
            "marker": False,
            "circlemarker": False,
            "polygon": {"allowIntersection": False, "showArea": True},
            "rectangle": {},
        },
        edit_options={"edit": True, "remove": True},
    ).add_to(fmap)
    app_hook("attachDraw", {"inputId": input_id, "texts": js_texts()}, [drawn_items]).add_to(fmap)
    return render_parts(fmap)


# Patterns over the coverage colours (defined in templates/staff/coverage.html): hatched where no group is, dotted
# where a group covers part; the uncovered part of a covered buurt is hatched like "no group", outlined dashed.
COVERAGE_PATTERNS = {"geen": "patroon-geen", "deels": "patroon-deels"}


def build_coverage_map(snapshot: Snapshot, config, coverage, waiting: dict | None = None) -> MapParts:
    """Render the staff map: buurten coloured and patterned by coverage (and named with how many residents wait
    for a group there: waiting, per buurt code), and the uncovered parts on top."""
    folium = folium_module()
    fmap = base_map(snapshot, config)
    features: list[dict] = []
    for item in coverage:
        key, words, colour = item.status
        features.append(
            {
                "type": "Feature",
                "geometry": to_geojson_mapping(item.buurt.geometry),
                "properties": {
                    "kind": "wijk",
                    "code": item.buurt.code,
                    "name": item.buurt.name,
                    "status": _(words),
                    "colour": colour,
                    "pattern": COVERAGE_PATTERNS.get(key),
                    "covered": f"{round(item.share * 100)}%",
                    "waiting": (waiting or {}).get(item.buurt.code, 0),
                },
            }
        )
    text_tooltip(
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            name=_("Dekking per buurt"),
            style_function=lambda f: {
                "color": "#333333",
                "weight": 2,
                "fillColor": f["properties"]["colour"],
                "fillOpacity": 0.55,
            },
        ),
        ["name", "status", "covered", "waiting"],
        [_("Buurt"), _("Dekking"), _("Gedekt"), _("Bewoners die wachten op een groep")],
    ).add_to(fmap)
    patterned = [
        {**f, "properties": {**f["properties"], "kind": "patroon"}} for f in features if f["properties"]["pattern"]
    ]
    if patterned:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": patterned},
            name=_("Patroon per dekking"),
            interactive=False,
            style_function=lambda f: {
                "stroke": False,
                "fillColor": f"url(#{f['properties']['pattern']})",
                "fillOpacity": 1,
            },
        ).add_to(fmap)
    gaps = [
        {
            "type": "Feature",
            "geometry": to_geojson_mapping(simplify_for_display(item.uncovered)),
            "properties": {"kind": "gat", "code": item.buurt.code, "name": item.buurt.name},
        }
        for item in coverage
        if item.share > 0 and not item.uncovered.is_empty
    ]
    if gaps:
        text_tooltip(
            folium.GeoJson(
                {"type": "FeatureCollection", "features": gaps},
                name=_("Niet gedekte delen"),
                style_function=lambda f: {
                    "color": "#000000",
                    "weight": 2,
                    "dashArray": "6 4",
                    "fillColor": "url(#patroon-gat)",
                    "fillOpacity": 1,
                },
            ),
            ["name"],
            [_("Niet gedekt deel van")],
        ).add_to(fmap)
    return render_parts(fmap)


def build_area_map(snapshot: Snapshot, config, area, others=()) -> MapParts:
    """Render one area (for review or editing by staff) over the other groups."""
    folium = folium_module()
    fmap = base_map(snapshot, config, area.bounds)
    if others:
        groups_layer(others, faint=True).add_to(fmap)
    folium.GeoJson(
        to_geojson_mapping(area),
        name=_("Dit gebied"),
        style_function=lambda f: {"color": "#000000", "weight": 4, "fillColor": "#ffbf47", "fillOpacity": 0.45},
    ).add_to(fmap)
    return render_parts(fmap)


def render_parts(fmap: folium.Map, embedded: bool = True) -> MapParts:
    """Render a Folium map into page parts, without Folium's page-wide styles."""
    localise_assets(fmap)
    root = cast("Figure", fmap.get_root())  # a Map's root is the page's Figure
    root.render()
    # Folium's own page header sets a zoom-blocking viewport and full-page styles; our base.html
    # provides the page, so keep only the asset links and the element styles.
    for name in ("meta_http", fmap.get_name()):
        root.header._children.pop(name, None)
    header = root.header.render()
    if re.search(r"""(src|href)=["']https?://""", header):
        raise RuntimeError("map header links to another origin")
    script = root.script.render()
    # The page wraps this in <script nonce=...> per request; data inside is JSON with "<" escaped, so no name
    # can close the element early.
    if re.search(r"</script|<!--", script, re.IGNORECASE):
        raise RuntimeError("map script could end its <script> element early")
    return MapParts(Markup(header), Markup(root.html.render()), Markup(script), embedded)
