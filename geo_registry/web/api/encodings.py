"""The encodings of the OGC API resources: JSON (GeoJSON for features) for programs, HTML for people; chosen by
f=json|geojson|html or else by the Accept header, and each linking to the other (rel=alternate)."""

from __future__ import annotations

from flask import jsonify, make_response, render_template, request

from geo_registry.core.errors import BadInput
from geo_registry.core.text import _
from geo_registry.web.i18n import current_language
from geo_registry.web.urls import api_url

JSON, GEOJSON, HTML = "application/json", "application/geo+json", "text/html"
LANGUAGES = ("nl", "en")


def wants_html(formats: tuple[str, ...]) -> bool:
    """Tell whether this request asks for HTML: f when given (one of formats or 'html'), else the Accept header
    (a browser's text/html beats its */*; a program's */* or no Accept gets JSON)."""
    chosen = request.args.get("f")
    if chosen is not None:
        if chosen not in (*formats, "html"):
            raise BadInput(
                _("'f' kan alleen %(choices)s zijn.", choices=", ".join(f"'{f}'" for f in (*formats, "html"))),
                field="f",
            )
        return chosen == "html"
    return request.accept_mimetypes.best_match([JSON, GEOJSON, HTML], default=JSON) == HTML


def link(href: str, rel: str, kind: str, title: str) -> dict:
    """One link of an OGC API document."""
    return {"href": href, "rel": rel, "type": kind, "title": title}


def this_url(**changes) -> str:
    """This resource's URL with some query parameters changed (None removes one)."""
    # A repeated bbox (one number each) is written back as one value with commas, which means the same.
    query = {name: ",".join(values) for name, values in request.args.lists() if name not in changes}
    query.update({name: value for name, value in changes.items() if value is not None})
    return api_url(str(request.endpoint), **(request.view_args or {}), **query)


def html_link() -> dict:
    """The link from the JSON of this resource to its HTML (the HTML links back in its head and text)."""
    return link(this_url(f="html"), "alternate", HTML, "This document as HTML")


def answer(body: dict, json_kind: str, formats: tuple[str, ...], page: str):
    """Answer body as JSON (of json_kind) or, when asked for, as an HTML page of the kind `page`."""
    if wants_html(formats):
        response = make_response(
            render_template(
                "api/ogc.html",
                body=body,
                page=page,
                json_url=this_url(f="json"),
                json_kind=json_kind,
                language_links={lang: this_url(lang=lang) for lang in LANGUAGES},
            )
        )
        response.headers["Content-Language"] = current_language()
    else:
        response = jsonify(body)
        response.mimetype = json_kind
    response.vary.update(("Accept", "Accept-Language"))
    return response
