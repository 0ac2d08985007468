"""Every page of the app, as a visitor reaches it, for the checks that must see all of them (axe in the browser,
untranslated text): built against the app's URL map, so that a new page without a visit fails a test."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from mailbox import link_in, wait_for_mail

from helpers import csrf_token

from geo_registry.web import settings as app_settings

# GET endpoints that are not pages a person reads, each with the reason it has no visit.
SKIP = {
    "static": "CSS, scripts and images, not pages",
    "vendor.asset": "front-end packages from node_modules, not pages",
    "i18n.switch": "only redirects back (the language switch)",
    "public.answer_fragment": "the lookup answer the map's script puts into the home page; checked there "
    "(/?postcode=...)",
    "api.ping": "JSON",
    "api.lookup": "JSON",
    "api.suggest": "JSON",
    "api.groups_geojson": "GeoJSON",
    "api.wijken_geojson": "GeoJSON",
    "api.groups_geojson_renamed": "GeoJSON at its deprecated path /api/v1/groups.geojson",
    "api.wijken_geojson_renamed": "GeoJSON at its deprecated path /api/v1/wijken.geojson",
    "openapi.openapi": "JSON (its readable form /api/docs is visited)",
    **{
        f"api_legacy.{name}": "JSON on the deprecated /api paths"
        for name in ("ping", "lookup", "suggest", "groups_geojson", "wijken_geojson")
    },
    **{
        f"features.{name}": "JSON/GeoJSON of OGC API Features (read by GDAL and OWSLib in tests/live); its web "
        "pages (f=html) take their language from lang= or Accept-Language only, not the visitor's cookie (the API "
        "is stateless): Dutch, English, axe and 320 px are checked in tests/test_ogc_html.py and "
        "tests/browser/test_browser_ogc_html.py"
        for name in ("landing", "conformance", "collection_list", "collection", "items", "item")
    },
    "openapi.legacy_openapi": "JSON",
    "staff.export_csv": "a CSV download",
    "staff.export_geojson": "a GeoJSON download",
    "staff.coverage_csv": "a CSV download",
    "staff.uncovered_geojson": "a GeoJSON download",
    "staff.access_log_csv": "a CSV download (tests/test_access_log.py)",
    "tiles.tile": "GeoJSON the map loads per tile of the view (tests/test_map_tiles.py)",
    "robots.robots": "plain text for search engines (tests/test_resident_links.py)",
    "health.healthz": "plain text for the load balancer (tests/test_health.py)",
    "health.readyz": "plain text for the load balancer (tests/test_health.py)",
    "metrics.metrics": "the Prometheus text format, for the monitoring (tests/test_metrics.py)",
    "second_factor.enrol": "only halfway through a login (the password given); its English, axe and 320 px are "
    "checked in tests/test_second_factor.py and tests/browser/test_browser_second_factor.py",
    "second_factor.code": "only halfway through a login (the password given); checked as second_factor.enrol",
    "oidc.start": "only redirects to the identity provider (tests/test_oidc.py)",
    "oidc.callback": "the identity provider's redirect back; its pages are checked against a real provider "
    "(tests/test_oidc.py, tests/browser/test_browser_oidc.py)",
}
COUNTER = itertools.count(1)
NO_GROUP = "/?postcode=1251PT&huisnummer=3"  # an answer with no group: it offers the waiting list


@dataclass
class Visit:
    """One page: GET path, or (post given) the page that submitting post from form_page's session shows."""

    label: str
    endpoint: str
    path: str
    post: dict | None = None
    form_page: str | None = None
    staff: bool = False
    status: int = 200
    forged: bool = False  # submit with a wrong CSRF token (the error page)
    notes: dict = field(default_factory=dict)


def renewal_path(app, group_id: int) -> str:
    """The yearly link the app would mail to the beheerder of group_id now."""
    from geo_registry.web import services as app_services
    from geo_registry.web.public.beheerder_link import personal_link

    with app.test_request_context():
        return re.sub(r"^https?://[^/]+", "", personal_link(app_services.current().store.get(group_id)))


def prepare(app) -> dict:
    """Make fresh links (a registration to confirm, a yearly link, a handover link) through the app itself."""
    client = app.test_client()
    # Every page is visited in both languages with the same personal link; the handover limits have a test of
    # their own (test_renewal.py).
    app_settings.change(app, HANDOVER_LIMIT=1000)
    number = next(COUNTER)
    email = f"paginatest{number}@voorbeeld.invalid"
    name = f"Paginatest {number}"
    response = client.post(
        "/groep-aanmelden/",
        data={
            "csrf_token": csrf_token(client, "/groep-aanmelden/"),
            "naam": name,
            "beheerder_naam": "Pien",
            "email": email,
            "buurten": "BU04170324",
            "actie": "aanmelden",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    confirm = link_in(wait_for_mail(app.smtp, email)[-1], "/groep-aanmelden/bevestigen/")
    renewal_2 = renewal_path(app, 2)
    new_email = f"overname{number}@voorbeeld.invalid"
    client.post(
        renewal_2 + "/overdragen",
        data={"csrf_token": csrf_token(client, renewal_2), "nieuwe_naam": "Olle Overname", "nieuw_email": new_email},
    )
    accept = link_in(wait_for_mail(app.smtp, new_email)[-1], "/beheerder/overdracht/")
    plek = re.search(r'name="plek" value="([^"]+)"', client.get(NO_GROUP).get_data(as_text=True)).group(1)
    waiting_email = f"wachtlijst{number}@voorbeeld.invalid"
    client.post("/wachtlijst/", data={"csrf_token": csrf_token(client, NO_GROUP), "plek": plek, "email": waiting_email})
    waiting_mail = wait_for_mail(app.smtp, waiting_email)[-1]
    waiting_confirm = link_in(waiting_mail, "/wachtlijst/bevestigen/")
    waiting_withdraw = link_in(waiting_mail, "/wachtlijst/afmelden/")
    return {
        "confirm": confirm,
        "renewal": renewal_path(app, 1),
        "renewal_2": renewal_2,
        "accept": accept,
        "name": name,
        "number": number,
        "plek": plek,
        "waiting_confirm": waiting_confirm,
        "waiting_withdraw": waiting_withdraw,
    }


def public_visits(links: dict) -> list[Visit]:
    """The pages residents and beheerders see, with their links made by prepare()."""
    join = {"naam": "Paula Pagina", "mobiel": "0612345678", "email": f"paula{links['number']}@voorbeeld.invalid"}
    register = {
        "naam": f"Nieuw {links['number']}",
        "beheerder_naam": "Bram",
        "actie": "aanmelden",
        "email": f"bram{links['number']}@voorbeeld.invalid",
        "buurten": "BU04170325",
    }
    renewal = links["renewal"]
    return [
        Visit("home", "public.home", "/"),
        Visit("answer: a group", "public.home", "/?postcode=1251KV&huisnummer=12"),
        Visit("answer: no group", "public.home", "/?postcode=1251PT&huisnummer=3"),
        Visit("answer: outside, its municipality named", "public.home", "/?q=Brink+12+Deventer"),
        Visit("answer: bad postcode", "public.home", "/?postcode=12&huisnummer=1", status=400),
        Visit("answer: ambiguous", "public.home", "/?postcode=1251KV&huisnummer=14", status=409),
        Visit("overview", "public.overview", "/overzicht"),
        Visit("info index", "info.index", "/informatie/"),
        *[
            Visit(f"info {slug}", "info.page", f"/informatie/{slug}")
            for slug in (
                "wat-is-het",
                "zo-werkt-het",
                "spelregels",
                "meedoen",
                "contact",
                "privacy",
                "toegankelijkheid",
            )
        ],
        Visit("API docs", "openapi.docs", "/api/docs"),
        Visit("registration form", "register.form", "/groep-aanmelden/"),
        Visit("registration errors", "register.submit", "/groep-aanmelden/", post={"actie": "aanmelden"}, status=400),
        Visit("registration sent", "register.sent", "/groep-aanmelden/", post=register),
        Visit("registration confirm", "register.confirm", links["confirm"]),
        Visit("registration confirmed", "register.confirm_post", links["confirm"], post={}),
        Visit(
            "waiting list errors",
            "subscribe.submit",
            "/wachtlijst/",
            form_page=NO_GROUP,
            status=400,
            post={"plek": links["plek"], "email": "geen-adres"},
        ),
        Visit(
            "waiting list sent",
            "subscribe.sent",
            "/wachtlijst/",
            form_page=NO_GROUP,
            post={"plek": links["plek"], "email": f"wacht{links['number']}@voorbeeld.invalid"},
        ),
        Visit("waiting list confirm", "subscribe.confirm", links["waiting_confirm"]),
        Visit("waiting list confirmed", "subscribe.confirm_post", links["waiting_confirm"], post={}),
        Visit("waiting list withdraw", "subscribe.withdraw", links["waiting_withdraw"]),
        Visit("waiting list withdrawn", "subscribe.withdraw_post", links["waiting_withdraw"], post={}),
        Visit("join form", "join.form", "/groep/1/aanmelden"),
        Visit(
            "join form, asking to grow",
            "join.form",
            "/groep/2/aanmelden?uitbreiden=1&straat=Postiljonlaan&huisnummer=3",
        ),
        Visit("join errors", "join.submit", "/groep/1/aanmelden", post={"naam": ""}, status=400),
        Visit("join sent", "join.sent", "/groep/1/aanmelden", post=join),
        Visit("poster", "poster.show", "/groep/1/poster"),
        Visit("renewal start", "renewal.start", renewal),
        Visit("renewal change", "renewal.change", renewal + "/wijzigen"),
        Visit(
            "renewal handover sent",
            "renewal.hand_over",
            renewal + "/overdragen",
            form_page=renewal,
            post={"nieuwe_naam": "Henk Hand", "nieuw_email": f"henk{links['number']}@voorbeeld.invalid"},
        ),
        Visit("handover accept", "renewal.accept", links["accept"]),
        Visit("handover taken over", "renewal.accept_post", links["accept"], form_page=links["accept"], post={}),
        Visit("renewal done", "renewal.confirm", renewal + "/bevestigen", form_page=renewal, post={}),
        Visit("error 404", "public.home", "/bestaat-niet", status=404),
        Visit("error 400 link invalid", "renewal.start", "/beheerder/geen-geldige-link", status=400),
        Visit("error 400 form expired", "join.submit", "/groep/1/aanmelden", post=join, forged=True, status=400),
        Visit("staff login", "staff.login", "/beheer/inloggen"),
    ]


def staff_visits(pending_id: int) -> list[Visit]:
    """The staff pages, for a logged-in staff member; pending_id is a registration awaiting review."""
    return [
        Visit(label, endpoint, path, staff=True)
        for label, endpoint, path in [
            ("staff index", "staff.index", "/beheer/"),
            ("staff review", "staff.group", f"/beheer/groep/{pending_id}"),
            ("staff group", "staff.group", "/beheer/groep/1"),
            ("staff edit", "staff.edit", "/beheer/groep/1/bewerken"),
            ("staff delete", "staff.delete_confirm", "/beheer/groep/1/verwijderen"),
            ("staff audit", "staff.audit_log", "/beheer/logboek"),
            ("staff access log", "staff.access_log_page", "/beheer/toegangslog"),
            ("staff outbox", "staff.outbox", "/beheer/e-mail"),
            ("staff coverage", "staff.coverage", "/beheer/dekking"),
            ("staff password", "account.password", "/beheer/wachtwoord"),
            ("staff accounts", "accounts.index", "/beheer/accounts"),
            ("staff account", "accounts.edit", "/beheer/accounts/1"),
            ("staff code again", "second_factor.recheck", "/beheer/code/opnieuw?next=/beheer/wachtwoord"),
        ]
    ] + [
        # A used or forged invitation (tests/test_accounts.py follows a real one to its page).
        Visit("staff invitation invalid", "accounts.accept", "/beheer/uitnodiging/geen-geldige-link", status=400)
    ]


def group_id_named(app, name: str) -> int:
    """The id of the group called name (any status)."""
    from geo_registry.web import services as app_services

    with app.app_context():
        return next(g.id for g in app_services.current().store.list(status=None) if g.name == name)


def uncovered_get_endpoints(app) -> list[str]:
    """GET endpoints of the URL map that have no visit and are not in SKIP."""
    links = {
        "confirm": "/x",
        "renewal": "/x",
        "accept": "/x",
        "number": 0,
        "plek": "x",
        "waiting_confirm": "/x",
        "waiting_withdraw": "/x",
    }
    visited = {v.endpoint for v in public_visits(links) + staff_visits(1)}
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    return sorted(endpoints - visited - set(SKIP))


def fetch(client, visit: Visit):
    """Open the visit with a Flask test client (the session's CSRF token added to a post); return the response."""
    if visit.post is None:
        return client.get(visit.path)
    token = "vervalst-token-0123456789" if visit.forged else csrf_token(client, visit.form_page or visit.path)
    return client.post(visit.path, data={**visit.post, "csrf_token": token}, follow_redirects=True)
