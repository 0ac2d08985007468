"""What URLs and parameters may hold: odd values get a clear 404 or 400, never a server error."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import request
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

from geo_registry.core.errors import BadInput
from geo_registry.core.text import _
from geo_registry.domain.validation import MAX_ID


class RecordIdConverter(IntegerConverter):
    """The <int:...> of every route, bounded by SQLite's largest integer: a longer number is a 404."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def refuse_control_characters_in_next() -> None:
    """A 'next' address is put in a Location header; a line break there is never a real page, so refuse it."""
    for source in (request.args, request.form if request.method == "POST" else MultiDict()):
        for value in source.getlist("next"):
            if any(ord(char) < 32 or ord(char) == 127 for char in value):
                raise BadInput(
                    _(
                        "Deze link is ongeldig: het adres om naar terug te gaan bevat een regeleinde of "
                        "een ander stuurteken."
                    ),
                    field="next",
                )


def redirect_as_path(response):
    """Send a redirect to this site as a path. Werkzeug's own redirects ('/beheer' to '/beheer/', '//' to '/')
    are absolute URLs built from the Host header the client sent, so 'Host: evil.example' got
    'Location: http://evil.example/beheer/', a permanent (cacheable) redirect off the site."""
    location = response.headers.get("Location")
    if location and 300 <= response.status_code < 400:
        parts = urlsplit(location)
        if parts.netloc and parts.netloc == request.host:
            # One leading slash: a path that began with '//' would be read as another host.
            path = "/" + parts.path.lstrip("/")
            response.headers["Location"] = urlunsplit(("", "", path, parts.query, parts.fragment))
    return response


def init_app(app) -> None:
    """Install the bounded integer converter (before any route is added) and the parameter checks."""
    app.url_map.converters["int"] = RecordIdConverter
    app.before_request(refuse_control_characters_in_next)
    app.after_request(redirect_as_path)
