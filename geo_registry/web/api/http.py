"""What every public API response shares: the version header, CORS, no session, caching by the register's
version, and the deprecation of the unversioned /api/... paths (NLGov API Design Rules)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import wraps

from flask import Response, current_app, make_response, request

from geo_registry.core.errors import BadInput
from geo_registry.core.text import _
from geo_registry.spatial.features import check_parameters
from geo_registry.web import services as app_services

API_VERSION = "1.0.0"  # semantic version of the API; its major number is the one in API_ROOT
API_ROOT = "/api/v1"
LEGACY_ROOT = "/api"
DOCS_PAGE = "/api/docs"  # a page of the site (language switch and all), not an API resource
# The unversioned paths keep answering until SUNSET_AT (/core/transition-period); docs/api.md has the schedule.
DEPRECATED_AT = datetime(2026, 12, 1, tzinfo=UTC)
SUNSET_AT = datetime(2027, 6, 1, tzinfo=UTC)
# Paths renamed within /api/v1 to kebab-case segments (/core/path-segments-kebab-case): the old ones answer the
# same until SUNSET_AT, with the same headers as the unversioned paths, naming their successor.
RENAMED = {"/groups.geojson": "/groups-geojson", "/wijken.geojson": "/wijken-geojson"}
RENAMED_AT = datetime(2026, 12, 7, tzinfo=UTC)
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


def successor(path: str) -> str | None:
    """The /api/v1 path that replaces a deprecated API path, or None when path is not deprecated."""
    if is_versioned_path(path):
        rest = path[len(API_ROOT) :]
        return API_ROOT + RENAMED[rest] if rest in RENAMED else None
    if is_api_path(path):
        rest = path[len(LEGACY_ROOT) :]
        return API_ROOT + RENAMED.get(rest, rest)
    return None


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


def resource_tag(snapshot, response) -> str:
    """The entity tag of one representation of one resource: the register's version, and a digest of the URL
    asked (path and query) and of what was answered (media type and language), so that no two resources or
    encodings share a tag."""
    about = "\n".join(
        (request.full_path, response.mimetype or "", response.headers.get("Content-Language", ""))
    ).encode()
    return f"{register_tag(snapshot)}-{hashlib.sha256(about).hexdigest()[:16]}"


def by_register_version(view):
    """Give a view's 200 answer an ETag from the register's version and the resource, and answer a matching
    If-None-Match with 304 Not Modified. The view runs first: routing and input checks decide (a 404 or 400 wins,
    and 'If-None-Match: *' never makes a missing resource a 304)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        snapshot = current_snapshot()  # the answer is made from this snapshot, so its version is the tag's
        response = view(*args, **kwargs)
        if not isinstance(response, Response):
            response = make_response(response)
        if response.status_code != 200:
            return response
        tag = resource_tag(snapshot, response)
        # Most requests carry no If-None-Match: the header is parsed only when it is there.
        if "HTTP_IF_NONE_MATCH" in request.environ and request.if_none_match.contains_weak(tag):
            not_modified = current_app.response_class(status=304)
            if "Vary" in response.headers:  # a 304 names what it varies on, as its 200 does
                not_modified.headers["Vary"] = response.headers["Vary"]
            response = not_modified
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
    replacement = successor(request.path)
    if replacement:
        since = DEPRECATED_AT if is_legacy_path(request.path) else RENAMED_AT
        headers["Deprecation"] = f"@{int(since.timestamp())}"  # RFC 9745
        headers["Sunset"] = format_datetime(SUNSET_AT, usegmt=True)  # RFC 8594
        headers.add("Link", f'<{replacement}>; rel="successor-version"')
    return response


# The parameters that may come as several values, joined with commas: bbox=5.2&bbox=52.2&... is how
# openapi-python-client sends an array (it ignores explode: false).
REPEATABLE = ("bbox",)


def one_value_each() -> None:
    """Refuse an API question that gives a parameter twice (lat=52.2&lat=0): which value counts would be a guess,
    and a cache or filter in front of the API may read the other one."""
    if not is_api_path(request.path):
        return
    for name, values in request.args.lists():
        if len(values) > 1 and name not in REPEATABLE:
            raise BadInput(
                _("'%(name)s' staat meer dan één keer in de vraag. Geef het één keer.", name=name[:40]), field=name[:40]
            )


def accepts(*names: str):
    """Refuse any query parameter the operation does not document (after routing: an unknown collection is a
    404 whatever the query), the same way on every /api/v1 operation, so a typo never silently changes nothing.
    The deprecated unversioned paths answer as they did until their sunset: they ignore what they do not know."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not is_legacy_path(request.path):
                check_parameters(request.args, names)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def init_app(app) -> None:
    """Register the shared API checks and headers on the app."""
    app.before_request(one_value_each)
    app.after_request(api_headers)
