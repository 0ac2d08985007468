"""Form helpers shared by the beheerder's registration and the staff's edit form."""
from __future__ import annotations

from flask import current_app, render_template, url_for

from .. import services
from ..areas import AreaRefused, CheckedArea, area_from_wijken, check_area, combine_areas, parse_geojson_area
from ..errors import BadInput
from ..i18n import LANGUAGES, current_language
from ..mail import Message


def area_from_form(form):
    """Return the area a GroupForm gives (drawn, picked buurten and/or uploaded, combined), or None."""
    parts = []
    drawn = (form.gebied_getekend.data or "").strip()
    if drawn:
        parts.append(parse_geojson_area(drawn))
    codes = form.chosen()
    if codes:
        parts.append(area_from_wijken(codes, services.current().wijken))
    upload = form.gebied_bestand.data
    if upload and upload.filename:
        parts.append(parse_geojson_area(upload.read()))
    return combine_areas(parts)


def checked_area_from_form(form, errors: dict, exclude_group_id: int | None = None) -> CheckedArea | None:
    """Read and check a GroupForm's area; put a refusal in errors['gebied'] and return None."""
    snapshot = services.current().registry.snapshot()
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


def mail_message(kind: str, recipient: str, template: str, reply_to: str | None = None, lang: str | None = None,
                 **context) -> Message:
    """Render a plain-text e-mail from templates/mail/<lang>/<template>.txt (first line is the subject), in lang
    (the recipient's language where it is known) or else the language of this request."""
    lang = lang if lang in LANGUAGES else current_language()
    text = render_template(f"mail/{lang}/{template}.txt", **context)
    subject, _, body = text.strip().partition("\n")
    return Message(kind=kind, recipient=recipient, subject=subject.strip(), body=body.strip() + "\n",
                   reply_to=reply_to)


def deliver(ids: list[int]) -> bool:
    """Deliver the given queued messages now; return False when any could not be sent (it stays queued)."""
    mailer = services.current().mailer
    mailer.purge(int(current_app.config["MAIL_RETENTION_DAYS"]))
    _, failed = mailer.deliver(ids)
    return failed == 0


def external_url(endpoint: str, **values) -> str:
    """Return an absolute URL for links in e-mails, on the configured PUBLIC_URL (never the request's
    Host header, which a sender could forge to plant a link to another site)."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for(endpoint, **values)
