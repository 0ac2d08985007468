"""Front-end packages installed by npm, served from the app's own origin (no third-party CDN)."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory, url_for

# Public name -> folder inside node_modules that holds the files the pages load.
PACKAGES = {
    "leaflet": "leaflet/dist",
    "leaflet-draw": "leaflet-draw/dist",
}

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


@bp.get("/<package>/<path:filename>")
def asset(package: str, filename: str):
    """Serve one file of an allow-listed npm package."""
    if package not in PACKAGES:
        abort(404)
    folder = Path(current_app.config["VENDOR_DIR"]) / PACKAGES[package]
    return send_from_directory(folder, filename, max_age=86400)


def vendor_url(package: str, filename: str) -> str:
    """Return the app's own URL for a vendored file."""
    return url_for("vendor.asset", package=package, filename=filename)


def init_app(app) -> None:
    """Register the vendor blueprint and check the packages are installed."""
    app.register_blueprint(bp)
    missing = [p for p, sub in PACKAGES.items() if not (Path(app.config["VENDOR_DIR"]) / sub).is_dir()]
    if missing:
        app.logger.warning("Front-end packages missing (run 'make' or 'npm ci'): %s", ", ".join(missing))
