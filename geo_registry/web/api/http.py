"""What every public API response shares: the version header, CORS, no session, caching by the register's
version, and the deprecation of the unversioned /api/... paths (NLGov API Design Rules)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from functools import wraps

from flask import Response, current_app, make_response, request

from geo_registry.core.errors import BadInput
from geo_registry.core.text import _
from geo_registry.web import services as app_services

API_VERSION = "1.0.0"  # semantic version of the API; its major number is the one in API_ROOT
API_ROOT = "/api/v1"
LEGACY_ROOT = "/api"
DOCS_PAGE = "/api/docs"  # a page of the site (language switch and all), not an API resource
# The unversioned paths keep answering until SUNSET_AT (/core/transition-period); docs/api.md has the schedule.
DEPRECATED_AT = datetime(2026, 12, 1, tzinfo=UTC)
SUNSET_AT = datetime(2027, 6, 1, tzinfo=UTC)
EXPOSED = "API-Version, ETag, Deprecation, Sunset, Link, Content-Crs"
SNAPSHOT_KEY = "geo_registry.snapshot"  # the request's snapshot, in its WSGI environ


# The headers every API response carries, prepared once. The public API is read-only and holds nothing private:
# any site may use it (CORS).
EVERY_API_RESPONSE = (
    ("API-Version", API_VERSION),
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Methods", "GET, OPTIONS"),
    ("Access-Control-Allow-Headers", "Accept, Accept-Language, Content-Type, If-None-Match"),
    ("Access-Control-Expose-Headers", EXPOSED),
    ("Access-Control-Max-Age", "86400"),
)


def is_api_path(path: str) -> bool:
    """Tell whether path is one of the public API's (versioned or not)."""
    return path.startswith(LEGACY_ROOT + "/") and path != DOCS_PAGE


def is_versioned_path(path: str) -> bool:
    """Tell whether path lies under the versioned API root."""
    return path == API_ROOT or path.startswith(API_ROOT + "/")


def is_legacy_path(path: str) -> bool:
    """Tell whether path is an unversioned API path (deprecated)."""
    return is_api_path(path) and not is_versioned_path(path)


def register_tag(snapshot) -> str:
    """The entity tag of everything the register serves: the API version, the buurten's version (made once per
    set of buurten) and the groups and addresses versions (each changes whenever its data changes)."""
    groups_version, addresses_version = snapshot.version if isinstance(snapshot.version, tuple) else (0, 0)
    return f"{API_VERSION}-{snapshot.base.version}-{groups_version}-{addresses_version}"


def current_snapshot():
    """The register's snapshot for this request (the one its ETag was made from, when it has one)."""
    # Kept with the request itself: g belongs to the app context, which several requests may share (a CLI or a
    # test that holds one open), and a later request must not answer from an earlier one's snapshot.
    environ = request.environ
    if SNAPSHOT_KEY not in environ:
        environ[SNAPSHOT_KEY] = app_services.current().registry.snapshot()
    return environ[SNAPSHOT_KEY]


def by_register_version(view):
    """Give a view's 200 answer an ETag from the register's version, and answer a matching If-None-Match
    with 304 Not Modified without building the answer at all."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        tag = register_tag(current_snapshot())
        # Most requests carry no If-None-Match: the header is parsed only when it is there.
        if "HTTP_IF_NONE_MATCH" in request.environ and request.if_none_match.contains_weak(tag):
            response = current_app.response_class(status=304)
        else:
            response = view(*args, **kwargs)
            if not isinstance(response, Response):
                response = make_response(response)
            if response.status_code != 200:
                return response
        # Weak: equal meaning, not necessarily equal bytes (links follow the Host the client used). The tag is made
        # of digits, letters, dots and dashes only, so it needs no quoting beyond the quotes.
        # Added, not set: the answer was just made and has neither (setting looks through every header first).
        response.headers.add("ETag", f'W/"{tag}"')
        response.headers.add("Cache-Control", "no-cache")  # may be stored, but ask again (cheaply, with the ETag)
        return response

    return wrapper


def api_headers(response):
    """Add the headers every API response carries (version, CORS, deprecation of the unversioned paths)."""
    if not is_api_path(request.path):
        return response
    headers = response.headers
    headers.extend(EVERY_API_RESPONSE)  # no view sets these: added at once, not looked for one by one
    if response.status_code >= 400:
        response.vary.add("Accept-Language")  # only the error messages depend on the language
    if is_legacy_path(request.path):
        headers["Deprecation"] = f"@{int(DEPRECATED_AT.timestamp())}"  # RFC 9745
        headers["Sunset"] = format_datetime(SUNSET_AT, usegmt=True)  # RFC 8594
        successor = API_ROOT + request.path[len(LEGACY_ROOT) :]
        headers.add("Link", f'<{successor}>; rel="successor-version"')
    return response


def one_value_each() -> None:
    """Refuse an API question that gives a parameter twice (lat=52.2&lat=0): which value counts would be a guess,
    and a cache or filter in front of the API may read the other one."""
    if not is_api_path(request.path):
        return
    for name, values in request.args.lists():
        if len(values) > 1:
            raise BadInput(
                _("'%(name)s' staat meer dan één keer in de vraag. Geef het één keer.", name=name[:40]), field=name[:40]
            )


def init_app(app) -> None:
    """Register the shared API checks and headers on the app."""
    app.before_request(one_value_each)
    app.after_request(api_headers)
