"""Public pages for residents: the map with the address lookup, and the overview per neighbourhood."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from geo_registry.core.errors import AddressAmbiguous, GeoRegistryError
from geo_registry.core.text import _
from geo_registry.spatial.gemeenten import sections
from geo_registry.spatial.streets import street_coverage
from geo_registry.web import services as app_services
from geo_registry.web import settings
from geo_registry.web.i18n import current_language
from geo_registry.web.maps import group_swatch, public_map

bp = Blueprint("public", __name__)

LOOKUP_FIELDS = ("postcode", "huisnummer", "huisletter", "toevoeging", "q")


def answer_for_request(args):
    """Return (answer, error) for the lookup the request asks for; (None, None) when it asks none."""
    lookup = app_services.current().lookup
    try:
        if "lat" in args or "lon" in args:
            return lookup.at_point(args.get("lat"), args.get("lon"), name_it=True), None
        query = lookup.query_from_args(args)
        return (lookup.at_address(query), None) if query else (None, None)
    except GeoRegistryError as error:
        return None, error


@bp.app_context_processor
def common_context():
    """Values every page may use."""
    config = settings.current()
    served = app_services.served()
    return {
        "gemeentenaam": served.display_name(),
        "contact_email": config.CONTACT_EMAIL,
        "contact_phone": config.CONTACT_PHONE,
        "group_swatch": group_swatch,
        "share_text": share_text,
        "served": served,
        "site_owner": site_owner(served),
        "gemeente_sections": lambda snapshot: sections(served, snapshot),
    }


def site_owner(served) -> str:
    """Whose site this is, in the header and every title: 'Gemeente Laren', or the deployment's name."""
    if not served.several:
        return _("Gemeente %(name)s", name=served.display_name())
    return served.regio_naam or _("Gemeenten %(names)s", names=served.names())


def share_text(share: float) -> str:
    """Say how much of a buurt a group covers, in words a resident reads at a glance."""
    if share >= 0.995:
        return _("dekt de hele buurt")
    if share < 0.01:
        return _("dekt minder dan 1% van de buurt")
    return _("dekt ongeveer %(pct)d%% van de buurt", pct=round(share * 100))


@bp.get("/")
def home():
    """The map of Laren with its groups, and the address lookup with its answer."""
    answer, error = answer_for_request(request.args)
    snapshot = app_services.current().registry.snapshot()
    marker = (answer.point.lat, answer.point.lon) if answer else None
    parts = public_map(
        snapshot,
        settings.current(),
        current_language(),
        url_for("public.answer_fragment"),
        url_for("join.form", group_id=0),
    )
    form = {name: request.args.get(name, "") for name in LOOKUP_FIELDS}
    status = error.status if error else 200
    return render_template(
        "public/home.html",
        map=parts,
        snapshot=snapshot,
        answer=answer,
        error=error,
        marker=marker,
        outside=outside_view(answer, snapshot),
        candidates=error.candidates if isinstance(error, AddressAmbiguous) else [],
        form=form,
    ), status


def outside_view(answer, snapshot) -> dict | None:
    """For an address outside the served area, what the map shows around its marker: the served area with the
    marker (not a lone marker on an empty background), and the outline of the municipality it lies in."""
    if answer is None or answer.point.in_gemeente:
        return None
    minx, miny, maxx, maxy = snapshot.base.bounds
    neighbour = answer.neighbour
    return {
        "bounds": [[miny, minx], [maxy, maxx]],
        "outline": neighbour.outline_geojson() if neighbour and not neighbour.outline.is_empty else None,
    }


@bp.get("/antwoord")
def answer_fragment():
    """The lookup answer alone, for the map's click handler to place in the page."""
    answer, error = answer_for_request(request.args)
    status = error.status if error else 200
    return render_template("public/_answer.html", answer=answer, error=error, candidates=[]), status


@bp.get("/overzicht")
def overview():
    """Every neighbourhood with the groups that cover (part of) it: the map in words."""
    services = app_services.current()
    snapshot = services.registry.snapshot()
    # Once per snapshot: a new snapshot comes with every change of the groups or of the address table.
    streets = snapshot.cached(
        "overview-streets",
        lambda: street_coverage(snapshot.buurten, snapshot.groups, services.local_addresses.streets()),
    )
    return render_template(
        "public/overview.html",
        snapshot=snapshot,
        coverage=snapshot.coverage_by_code(),
        streets=streets,
        sections=sections(app_services.served(), snapshot),
    )
