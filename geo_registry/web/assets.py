"""Front-end files: the npm packages the pages load and the app's own /static files, served from the app's own
origin (no third-party CDN) under content-hashed names, so that a browser keeps them for a year and a new
release (new content, new name) is fetched at once; and every text response compressed (gzip or brotli)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, abort, send_from_directory, url_for
from flask_compress import Compress

from geo_registry.web import settings

# Public name -> folder inside node_modules that holds the files the pages load.
PACKAGES = {
    "leaflet": "leaflet/dist",
    "leaflet-draw": "leaflet-draw/dist",
}
# A hashed name carries a URL for good; a plain one may change with the next release.
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT_MAX_AGE = 300
HASH_LENGTH = 12
_HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LENGTH}}})(?P<ext>\.[A-Za-z0-9]+)$")
# Compressed: text. Images other than SVG, fonts and archives are compressed already.
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/xml",
    "text/csv",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/geo+json",
    "application/ld+json",
    "application/xml",
    "image/svg+xml",
    "application/vnd.oai.openapi+json",
]

COMPRESS_MIN_SIZE = 1400

bp = Blueprint("vendor", __name__, url_prefix="/vendor")
_hashes: dict[tuple[str, float, int], str] = {}


def content_hash(path: Path) -> str | None:
    """The first HASH_LENGTH hex digits of the file's SHA-256 (kept per file version), or None if it is missing."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_mtime, stat.st_size)
    if key not in _hashes:
        _hashes[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]
    return _hashes[key]


def hashed_name(folder: Path, filename: str) -> str:
    """filename with its content hash before the extension ('js/map.js' -> 'js/map.<hash>.js'), or as it is when
    the file is missing or has no extension."""
    digest = content_hash(folder / filename)
    stem, dot, ext = filename.rpartition(".")
    if digest is None or not dot or "/" in ext:
        return filename
    return f"{stem}.{digest}.{ext}"


def send_hashed(folder: Path, filename: str):
    """Serve filename from folder: under its current hashed name for a year, under any other name briefly."""
    match = _HASHED.match(filename)
    if match and not (folder / filename).is_file():
        plain = match["stem"] + match["ext"]
        if content_hash(folder / plain) == match["hash"]:
            response = send_from_directory(folder, plain)
            response.headers["Cache-Control"] = IMMUTABLE
            return _whole_or_part(response)
        filename = plain  # an older release's name: today's file, not kept for long
    return _whole_or_part(send_from_directory(folder, filename, max_age=SHORT_MAX_AGE))


def _whole_or_part(response):
    """The file read into the response (these are small), so that it is compressed whole and closed at once; a part
    of a file (a Range request) is sent as it is: compressing it would make the bytes meaningless."""
    if response.status_code == 206:
        response.headers["Content-Encoding"] = "identity"
    if response.direct_passthrough:
        response.direct_passthrough = False
        response.make_sequence()
        # Close the file now, not when the server closes the response: a browser that drops the connection
        # before the body is written would otherwise leave it open until the garbage collector finds it.
        response.close()
    return response


@bp.get("/<package>/<path:filename>")
def asset(package: str, filename: str):
    """Serve one file of an allow-listed npm package."""
    if package not in PACKAGES:
        abort(404)
    return send_hashed(settings.current().VENDOR_DIR / PACKAGES[package], filename)


def vendor_url(package: str, filename: str) -> str:
    """Return the app's own (content-hashed) URL for a vendored file."""
    return url_for("vendor.asset", package=package, filename=filename)


def init_app(app) -> None:
    """Register the vendor blueprint, hash the URLs of /static and /vendor, compress responses, and check the
    packages are installed."""
    app.register_blueprint(bp)
    static = Path(app.static_folder)
    app.view_functions["static"] = lambda filename: send_hashed(static, filename)

    # The files are the release's: each name is hashed once per app start, and then no page asks the file
    # system (a stat per file per page was 13% of a registration; issue 24). In debug mode, per file version.
    names: dict[tuple[str, str], str] = {}

    def named(package: str, folder: Callable[[], Path], filename: str) -> str:
        """filename's hashed name: from names, or hashed now (kept unless the app runs in debug mode)."""
        name = names.get((package, filename))
        if name is None:
            name = hashed_name(folder(), filename)
            if not app.debug:
                names[package, filename] = name
        return name

    @app.url_defaults
    def hashed_urls(endpoint, values):
        """url_for('static', ...) and vendor_url(...) give the content-hashed name."""
        if endpoint == "static" and "filename" in values:
            values["filename"] = named("", lambda: static, values["filename"])
        elif endpoint == "vendor.asset" and values.get("package") in PACKAGES and "filename" in values:
            package = values["package"]
            folder = lambda: settings.of(app).VENDOR_DIR / PACKAGES[package]  # noqa: E731
            values["filename"] = named(package, folder, values["filename"])

    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    # Level 4, not brotli's default (11: ~20x the time for ~5% less) nor 5: on a 20 KB page level 5 took twice
    # the time of 4 for 4% fewer bytes (5,016 against 5,224; issue 24), and a page is compressed on every request.
    app.config.setdefault("COMPRESS_BR_LEVEL", 4)
    # An answer that fits in one TCP packet (~1,400 bytes) arrives no sooner compressed: sent as it is.
    app.config.setdefault("COMPRESS_MIN_SIZE", COMPRESS_MIN_SIZE)
    Compress(app)
    missing = [p for p, sub in PACKAGES.items() if not (settings.of(app).VENDOR_DIR / sub).is_dir()]
    if missing:
        app.logger.warning("Front-end packages missing (run 'make' or 'npm ci'): %s", ", ".join(missing))
