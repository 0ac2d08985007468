"""Form helpers shared by the beheerder's registration and the staff's edit form."""
from __future__ import annotations

import shapely
from flask import current_app

from .. import services
from ..areas import AreaRefused, CheckedArea, area_from_wijken, check_area, parse_geojson_area
from ..errors import BadInput

AREA_FIELDS = ("gebied_getekend", "buurten", "gebied_bestand")


def area_from_form(form, files):
    """Return the area the form gives (drawn, picked buurten and/or uploaded, combined), or None."""
    parts = []
    drawn = (form.get("gebied_getekend") or "").strip()
    if drawn:
        parts.append(parse_geojson_area(drawn))
    codes = form.getlist("buurten")
    if codes:
        parts.append(area_from_wijken(codes, services.current().wijken))
    upload = files.get("gebied_bestand")
    if upload and upload.filename:
        parts.append(parse_geojson_area(upload.read()))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.union_all([shapely.make_valid(p) for p in parts])


def checked_area_from_form(form, files, errors: dict, exclude_group_id: int | None = None) -> CheckedArea | None:
    """Read and check the area; put a refusal in errors['gebied'] and return None."""
    snapshot = services.current().registry.snapshot()
    try:
        return check_area(area_from_form(form, files), snapshot.gemeente, snapshot.groups,
                          current_app.config["GEMEENTENAAM"], exclude_group_id=exclude_group_id)
    except AreaRefused as error:
        errors["gebied"] = error.message
        return None


def first_error(errors: dict) -> BadInput:
    """Return one BadInput standing for all the form's errors (for the page status and summary)."""
    field, message = next(iter(errors.items()))
    return BadInput(message, field=field)
