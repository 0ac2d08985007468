"""Domain exceptions that carry an HTTP status, and the one handler that renders them."""
from __future__ import annotations

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from .text import N_, _


class GeoRegistryError(Exception):
    """Base of the project's own errors: a Dutch message, a code and an HTTP status."""

    status = 500
    code = "error"
    default_message = N_("Er ging iets mis. Probeer het later nog eens.")

    def __init__(self, message: str | None = None, *, field: str | None = None, **details):
        text = message or _(self.default_message)
        super().__init__(text)
        self.message = text
        self.field = field
        self.details = details

    def to_dict(self) -> dict:
        """Return the JSON body for this error."""
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        body.update(self.details)
        return {"error": body}


class BadInput(GeoRegistryError):
    """The user's input cannot be used; the message says why."""

    status = 400
    code = "bad_input"
    default_message = N_("De invoer is niet geldig.")


class AddressNotFound(GeoRegistryError):
    """No address matches the query."""

    status = 404
    code = "not_found"
    default_message = N_("Dit adres is niet gevonden. Controleer de postcode en het huisnummer.")


class AddressAmbiguous(GeoRegistryError):
    """Several addresses match; the caller must pick one of the candidates."""

    status = 409
    code = "ambiguous"
    default_message = N_("Er zijn meerdere adressen gevonden. Kies uw adres.")

    def __init__(self, candidates, message: str | None = None):
        super().__init__(message)
        self.candidates = list(candidates)

    def to_dict(self) -> dict:
        """Return the JSON body, with the candidate addresses."""
        body = super().to_dict()
        body["error"]["candidates"] = [c.to_public() for c in self.candidates]
        return body


class AddressServiceUnavailable(GeoRegistryError):
    """The address service did not answer in time or answered with an error."""

    status = 503
    code = "unavailable"
    default_message = N_(
        "De adresservice is nu niet bereikbaar. Probeer het later nog eens, "
        "of klik op de kaart op uw woning."
    )


class ImportRefused(GeoRegistryError):
    """An import file cannot be used as a whole; the message names the offending feature."""

    status = 422
    code = "import_refused"


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
