"""Staff: where the municipality is not covered: the coverage page and its exports (CSV, GeoJSON)."""

from __future__ import annotations

import json

from flask import Response, render_template, request

from geo_registry.core.errors import BadInput
from geo_registry.core.geometry import to_geojson_mapping
from geo_registry.core.text import _
from geo_registry.domain import subscriptions
from geo_registry.domain.csv_export import csv_text
from geo_registry.spatial.coverage import CLASSES, Sliver
from geo_registry.spatial.coverage_order import by_priority
from geo_registry.spatial.public import buurt_properties
from geo_registry.web import services as app_services
from geo_registry.web import settings
from geo_registry.web.i18n import current_language
from geo_registry.web.maps import COVERAGE_PATTERNS, build_coverage_map
from geo_registry.web.staff import scope
from geo_registry.web.staff.views import bp, login_required


@bp.get("/dekking")
@login_required
def coverage():
    """Where the municipality is not covered: the map, and the buurten from least to most covered."""
    snapshot = app_services.current().registry.snapshot()
    served, chosen = scope.served(), chosen_gemeente()
    items = by_priority(coverage_in_gemeente(snapshot, chosen))
    waiting = subscriptions.count_per_buurt(app_services.current().store.engine, snapshot.buurt_index)
    return render_template(
        "staff/coverage.html",
        items=items,
        classes=CLASSES,
        patterns=COVERAGE_PATTERNS,
        waiting=waiting,
        map=build_coverage_map(snapshot, settings.current(), items, waiting),
        has_addresses=any(c.addresses is not None for c in items),
        served=served,
        chosen=chosen,
        sliver=Sliver.of(settings.current()),
    )


def chosen_gemeente():
    """The municipality ?gemeente= asks for (None: all the account works for, together); an unknown code, or one
    the account does not work for, is a 400 naming the choices."""
    code = (request.args.get("gemeente") or "").strip()
    if not code:
        return None
    served = scope.served()
    gemeente = next((g for g in served.gemeenten if g.code == code.upper()), None)
    if gemeente is None:
        raise BadInput(_("Onbekende gemeente. Kies uit: %(names)s.", names=served.names("of")), field="gemeente")
    return gemeente


def coverage_in_gemeente(snapshot, gemeente):
    """The coverage of every buurt of the account's municipalities, or of one municipality's buurten."""
    items = scope.buurten_items(snapshot.coverage())
    return [item for item in items if item.buurt.gemeentecode == gemeente.code] if gemeente else items


@bp.get("/export/dekking.csv")
@login_required
def coverage_csv():
    """The coverage table as CSV, with the municipality of each buurt (?gemeente= for one of them) and the number
    of residents waiting for a group there."""
    names = {g.code: g.name for g in app_services.served().gemeenten}
    snapshot = app_services.current().registry.snapshot()
    waiting = subscriptions.count_per_buurt(app_services.current().store.engine, snapshot.buurt_index)
    # New columns come last, so that the columns before them keep their places for existing spreadsheets.
    rows = (
        [
            item.buurt.code,
            item.buurt.name,
            round(item.area_m2),
            round(item.covered_m2),
            round(item.share * 100, 1),
            len(item.groups),
            item.addresses,
            item.addresses_covered,
            item.addresses_without_group,
            names.get(item.buurt.gemeentecode, item.buurt.gemeentecode),
            waiting.get(item.buurt.code, 0),
        ]
        for item in coverage_in_gemeente(snapshot, chosen_gemeente())
    )
    body = csv_text(
        [
            "buurtcode",
            "buurt",
            "oppervlakte_m2",
            "gedekt_m2",
            "gedekt_pct",
            "groepen",
            "adressen",
            "adressen_gedekt",
            "adressen_zonder_groep",
            "gemeente",
            "wachtende_bewoners",
        ],
        rows,
        current_language(),
    )
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=dekking.csv"})


@bp.get("/export/onbedekt.geojson")
@login_required
def uncovered_geojson():
    """The uncovered parts of every buurt (buurt minus the union of active groups)."""
    features = [
        {
            "type": "Feature",
            "geometry": to_geojson_mapping(item.uncovered),
            "properties": {**buurt_properties(item.buurt), "onbedekt_m2": round(item.area_m2 - item.covered_m2)},
        }
        for item in scope.buurten_items(app_services.current().registry.snapshot().coverage())
        if not item.uncovered.is_empty
    ]
    return Response(
        json.dumps({"type": "FeatureCollection", "features": features}),
        mimetype="application/geo+json",
        headers={"Content-Disposition": "attachment; filename=onbedekt.geojson"},
    )
