"""The site's public address, in one place: the base of the links in e-mail, on the poster's QR code and in the
JSON and OGC API documents.

Never the Host header a client sent: a sender could forge it to plant a link to another site in an e-mail, and
the API documents carry an ETag, so a shared cache would keep a forged host's links for everyone."""

from __future__ import annotations

from flask import current_app, url_for

from geo_registry.core.config import LOCAL_URL
from geo_registry.web import settings


def public_url(config) -> str:
    """Return the site's address without a trailing slash: PUBLIC_URL as configured (`serve` sets it to the
    address it was started on when none is), else LOCAL_URL (a command run from cron, with no server)."""
    return (config.PUBLIC_URL or LOCAL_URL).rstrip("/")


def external_url(endpoint: str, **values) -> str:
    """Return an absolute URL on the site's address, for links that leave the site and outlive the request (an
    e-mail, a printed poster); needs no request."""
    adapter = current_app.url_map.bind("localhost")  # the host is not used: only the path is built
    return public_url(settings.current()) + adapter.build(endpoint, values)


def api_url(endpoint: str, **values) -> str:
    """Return an absolute link for an API document: on the site's address; behind a trusted proxy (TRUST_PROXY),
    on the host and scheme the proxy reports, which the visitor used."""
    if settings.current().TRUST_PROXY:
        return url_for(endpoint, _external=True, **values)
    return public_url(settings.current()) + url_for(endpoint, **values)


def api_server_url(config) -> str:
    """Return the site's address as the OpenAPI document names its server: PUBLIC_URL as configured, or '' when
    none is, which makes the server URL relative to where the document was fetched."""
    return config.PUBLIC_URL.rstrip("/")
