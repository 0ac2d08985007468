"""The app's error pages and JSON errors: domain errors, HTTP errors and the unexpected, in the visitor's language."""
from __future__ import annotations

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..errors import GeoRegistryError
from ..text import N_, _


def wants_json() -> bool:
    """Tell whether the current request should get a JSON error rather than a page."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def init_app(app) -> None:
    """Register the error handlers on the app."""

    @app.errorhandler(GeoRegistryError)
    def handle_domain_error(error: GeoRegistryError):
        """Render a domain error as JSON for the API, as a page otherwise."""
        if wants_json():
            return jsonify(error.to_dict()), error.status
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
        domain = GeoRegistryError(_(messages[error.code]) if error.code in messages else error.description)
        domain.status, domain.code = error.code, error.name.lower().replace(" ", "_")
        return handle_domain_error(domain)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        """Log an unexpected error and show a plain message, never a traceback."""
        app.logger.exception("Unexpected error")
        return handle_domain_error(GeoRegistryError())
