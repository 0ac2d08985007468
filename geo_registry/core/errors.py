"""Domain exceptions that carry an HTTP status; the web layer (web/errors.py) renders them. No Flask here."""

from __future__ import annotations

from geo_registry.core.text import N_, _


class StartupRefused(RuntimeError):
    """The app cannot start with these settings or on this database; the message (Dutch) says what to do, and
    the command line prints it without a traceback."""


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
        "De adresservice is nu niet bereikbaar. Probeer het later nog eens, of klik op de kaart op uw woning."
    )


class ImportRefused(GeoRegistryError):
    """An import file cannot be used as a whole; the message names the offending feature."""

    status = 422
    code = "import_refused"
