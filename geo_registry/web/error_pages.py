"""The app's error pages and JSON errors: domain errors, HTTP errors and the unexpected, in the visitor's language."""

from __future__ import annotations

from flask import current_app, jsonify, make_response, render_template, request
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from geo_registry.core.errors import GeoRegistryError
from geo_registry.core.text import N_, _
from geo_registry.web import request_log, settings
from geo_registry.web.api.http import is_versioned_path


def wants_json() -> bool:
    """Tell whether the current request should get a JSON error rather than a page."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def problem(error: GeoRegistryError):
    """Render a domain error as RFC 9457 problem details; code, field and candidates are extensions."""
    body = error.to_dict()["error"]
    detail = body.pop("message")
    details = {
        "type": "about:blank",
        "title": HTTP_STATUS_CODES.get(error.status, "Error"),
        "status": error.status,
        "detail": detail,
    }
    details.update({key: value for key, value in body.items() if key not in details})
    response = jsonify(details)
    response.status_code = error.status
    response.mimetype = "application/problem+json"
    return response


def _paths_without_the_host() -> None:
    """Let a page be built for a request whose Host header Werkzeug could not read (400 Bad Host: it leaves the
    request without a URL adapter, so url_for in the page would fail with a 500): the page's links are paths on
    this site, which need no host."""
    if request_ctx.url_adapter is None:
        request_ctx.url_adapter = current_app.url_map.bind(
            "localhost", script_name=request.script_root or None, url_scheme=request.scheme
        )


def init_app(app) -> None:
    """Register the error handlers on the app."""

    @app.errorhandler(GeoRegistryError)
    def handle_domain_error(error: GeoRegistryError):
        """Render a domain error as problem details for the versioned API, JSON for the old API paths
        (and JSON clients), a page otherwise."""
        if is_versioned_path(request.path):
            return problem(error)
        if wants_json():
            return jsonify(error.to_dict()), error.status
        _paths_without_the_host()
        return render_template("errors/error.html", error=error), error.status

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        """Render 400, 404, 405, 413 and the like in the same way, in the visitor's language."""
        messages = {
            400: N_("Het verzoek is niet geldig. Laad de pagina opnieuw en probeer het nog eens."),
            404: N_("Deze pagina bestaat niet."),
            405: N_("Deze handeling is hier niet toegestaan."),
            413: N_("Het bestand is te groot (hoogstens 2 MB)."),
        }
        if error.code == 413 and (request.content_length or 0) <= settings.current().MAX_CONTENT_LENGTH:
            # The whole request was within bounds, so one field was over Werkzeug's limit for a form field
            # (MAX_FORM_MEMORY_SIZE): in practice an area drawn with very many points, not a file.
            messages[413] = N_(
                "Het getekende gebied is te groot (hoogstens 500 kB). Teken het met minder punten, "
                "of kies buurten in de lijst."
            )
        domain = GeoRegistryError(_(messages[error.code]) if error.code in messages else error.description)
        domain.status, domain.code = error.code or 500, error.name.lower().replace(" ", "_")
        response = make_response(handle_domain_error(domain))
        valid_methods = getattr(error, "valid_methods", None)
        if valid_methods:  # a 405 names the methods that are allowed (RFC 9110)
            response.headers["Allow"] = ", ".join(valid_methods)
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        """Log an unexpected error and show a plain message, never a traceback."""
        request_log.log_unexpected(error)  # with the request id the error page shows
        return handle_domain_error(GeoRegistryError())
