"""Form helpers shared by the beheerder's registration and the staff's edit form."""
from __future__ import annotations

from flask import current_app

from .. import app_services
from ..areas import AreaRefused, CheckedArea, area_from_buurten, check_area, combine_areas, parse_geojson_area
from ..errors import BadInput


def area_from_form(form):
    """Return the area a GroupForm gives (drawn, picked buurten and/or uploaded, combined), or None."""
    parts = []
    drawn = (form.gebied_getekend.data or "").strip()
    if drawn:
        parts.append(parse_geojson_area(drawn))
    codes = form.chosen()
    if codes:
        parts.append(area_from_buurten(codes, app_services.current().buurten))
    upload = form.gebied_bestand.data
    if upload and upload.filename:
        parts.append(parse_geojson_area(upload.read()))
    return combine_areas(parts)


def checked_area_from_form(form, errors: dict, exclude_group_id: int | None = None) -> CheckedArea | None:
    """Read and check a GroupForm's area; put a refusal in errors['gebied'] and return None."""
    snapshot = app_services.current().registry.snapshot()
    try:
        return check_area(area_from_form(form), snapshot.gemeente, snapshot.groups,
                          current_app.config["GEMEENTENAAM"], exclude_group_id=exclude_group_id)
    except AreaRefused as error:
        errors["gebied"] = error.message
        return None


def first_error(errors: dict) -> BadInput:
    """Return one BadInput standing for all the form's errors (for the page status and summary)."""
    field, message = next(iter(errors.items()))
    return BadInput(message, field=field)
