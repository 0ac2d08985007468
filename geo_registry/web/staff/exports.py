"""Staff: the beheerders list (CSV, with contact details) and the active groups' areas (GeoJSON)."""

from __future__ import annotations

import json

from flask import Response, current_app

from geo_registry.core.formats import spreadsheet_time
from geo_registry.domain import access_log
from geo_registry.domain.csv_export import csv_text, phone_cell
from geo_registry.domain.groups import GroupStatus
from geo_registry.spatial.public import groups_collection
from geo_registry.web import services as app_services
from geo_registry.web.i18n import current_language
from geo_registry.web.staff import scope
from geo_registry.web.staff.seen import record_seen
from geo_registry.web.staff.views import bp, login_required


@bp.get("/export/beheerders.csv")
@login_required
def export_csv():
    """The beheerdersgroep list: every active group with its beheerder's contact details."""
    record_seen(access_log.BEHEERDERS_CSV)
    rows = (
        [
            item.id,
            item.name,
            item.beheerder_name,
            item.beheerder_email,
            phone_cell(item.beheerder_phone),
            spreadsheet_time(item.last_confirmed_at, current_app.config["BABEL_DEFAULT_TIMEZONE"]),
        ]
        for item in scope.groups(app_services.current().store.list(status=GroupStatus.ACTIVE))
    )
    body = csv_text(["groep_id", "groep", "beheerder", "email", "mobiel", "laatst_bevestigd"], rows, current_language())
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=beheerders.csv"})


@bp.get("/export/gebieden.geojson")
@login_required
def export_geojson():
    """Every active group's area (public properties)."""
    body = json.dumps(groups_collection(scope.groups(app_services.current().store.list(status=GroupStatus.ACTIVE))))
    return Response(
        body, mimetype="application/geo+json", headers={"Content-Disposition": "attachment; filename=gebieden.geojson"}
    )
