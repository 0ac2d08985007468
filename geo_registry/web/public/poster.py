"""A printable A4 poster for every approved group: its name, area, join link with QR code and the 112 reminder.

Public, since it holds only what the map already shows (never the beheerder's details); pending, rejected and
deactivated groups have no poster (404)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from markupsafe import Markup

from geo_registry.core.text import _
from geo_registry.domain.groups import GroupStatus
from geo_registry.spatial import poster_map as poster
from geo_registry.web import services as app_services
from geo_registry.web.i18n import current_language
from geo_registry.web.urls import external_url

bp = Blueprint("poster", __name__, url_prefix="/groep")


def shown_link(link: str) -> str:
    """The link as a person types it from paper: without 'https://', which every browser adds itself."""
    return link.removeprefix("https://")


@bp.get("/<int:group_id>/poster")
def show(group_id: int):
    """The poster of one active group, ready to print on one A4 page."""
    group = app_services.current().store.get(group_id)
    if group is None or group.status != GroupStatus.ACTIVE:
        abort(404)
    # The link on PUBLIC_URL, as in e-mail: a poster hangs on a lamp post for years, whoever printed it.
    # The English poster's link opens the join form in English; the Dutch one stays the plain link.
    lang = current_language()
    link = external_url("join.form", group_id=group.id, **({"lang": lang} if lang != "nl" else {}))
    area_map = poster.area_map_svg(
        group.area,
        app_services.current().buurten,
        _("Kaart van het gebied van %(name)s, met de buurtgrenzen", name=group.name),
    )
    # Both SVGs are made by poster.py from numbers and escaped text only, so they go into the page as they are.
    return render_template(
        "poster/poster.html",
        name=group.name,
        link=link,
        shown_link=shown_link(link),
        area_map=Markup(area_map),
        qr=Markup(poster.qr_svg(link)),
        voice=app_services.voice(area=group.area),
    )
