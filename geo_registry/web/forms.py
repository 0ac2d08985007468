"""Form helpers shared by the beheerder's registration and the staff's edit form."""

from __future__ import annotations

import json

import shapely

from geo_registry.core.errors import BadInput
from geo_registry.core.geometry import to_geojson_mapping, to_rd
from geo_registry.domain.areas import (
    AreaRefused,
    CheckedArea,
    area_from_buurten,
    check_area,
    combine_areas,
    parse_geojson_area,
)
from geo_registry.web import services as app_services


def area_from_form(form):
    """Return the area a GroupForm gives (drawn, picked buurten and/or uploaded, combined), or None.
    What was drawn and uploaded, without the buurten, is kept as form.drawn_or_uploaded."""
    own = []
    drawn = (form.gebied_getekend.data or "").strip()
    if drawn:
        own.append(parse_geojson_area(drawn))
    upload = form.gebied_bestand.data
    if upload and upload.filename:
        own.append(parse_geojson_area(upload.read()))
    form.drawn_or_uploaded = combine_areas(own)
    codes = form.chosen()
    picked = [area_from_buurten(codes, app_services.current().buurten)] if codes else []
    return combine_areas(own + picked)


def drawn_after_check(form) -> str:
    """Return the GeoJSON text for the drawing layer after a check: only what was drawn or uploaded,
    repaired and clipped where that is possible. The ticked buurten stay ticked boxes: copied into the
    drawing, they would stay in the area after being unticked."""
    own = getattr(form, "drawn_or_uploaded", None)
    if own is None:
        return ""
    try:
        own = check_area(own, app_services.current().registry.snapshot().gemeente, min_m2=0).geometry
    except AreaRefused:  # judged as part of the whole area; shown as it was given
        pass
    return drawing_text(own)


def drawing_text(area) -> str:
    """Return an area as the GeoJSON text of the drawing layer: one Feature per part, so each can be edited."""
    features = [
        {"type": "Feature", "properties": {}, "geometry": to_geojson_mapping(part)} for part in shapely.get_parts(area)
    ]
    if len(features) == 1:
        return json.dumps(features[0])
    return json.dumps({"type": "FeatureCollection", "features": features})


# How far (in metres) an area sent back may differ from the stored one and still be "not changed": the editor
# sends coordinates rounded to 6 decimals (about 0.1 m); a vertex moved by hand moves much further.
UNCHANGED_WITHIN_M = 0.5


def area_changed(checked: CheckedArea | None, current) -> bool:
    """Whether the checked area of a form differs from a group's current area (the editor sends the current
    area back when nobody touched it)."""
    if checked is None:
        return False
    return shapely.hausdorff_distance(to_rd(checked.geometry), to_rd(current)) > UNCHANGED_WITHIN_M


def checked_area_from_form(form, errors: dict, exclude_group_id: int | None = None) -> CheckedArea | None:
    """Read and check a GroupForm's area; put a refusal in errors['gebied'] and return None."""
    snapshot = app_services.current().registry.snapshot()
    try:
        return check_area(
            area_from_form(form),
            snapshot.gemeente,
            snapshot.groups,
            app_services.served().display_name(),
            exclude_group_id=exclude_group_id,
        )
    except AreaRefused as error:
        errors["gebied"] = error.message
        return None


def first_error(errors: dict) -> BadInput:
    """Return one BadInput standing for all the form's errors (for the page status and summary)."""
    field, message = next(iter(errors.items()))
    return BadInput(message, field=field)
