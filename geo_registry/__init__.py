"""geo_registry: the register of Laren's neighbourhood WhatsApp groups."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from geo_registry.core.config import ROOT

if TYPE_CHECKING:  # the domain modules are imported without Flask; only the app factory needs it
    from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then GEO_REGISTRY_* environment, then test_config."""
    from flask import Flask

    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    configure(app, test_config)
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    return app


def configure(app: Flask, test_config: dict | None) -> None:
    """Parse the settings once (defaults, environment, test mapping), derive those made from others, and give
    Flask the keys it or an extension reads."""
    import dataclasses
    import os

    from geo_registry.core import settings as settings_module
    from geo_registry.core.errors import StartupRefused
    from geo_registry.spatial.gemeenten import default_wijken_file, served_from_config

    settings, flask_keys = settings_module.load(app.instance_path, os.environ, test_config, set(app.config))
    try:  # a mistyped GEMEENTEN stops the start with its reason, rather than failing every page later
        served = served_from_config(settings)
    except ValueError as error:
        raise StartupRefused(f"GEO_REGISTRY_GEMEENTEN: {error} (bijvoorbeeld GM0417,GM0376,GM0317)") from None
    # The derived settings, here alone: the buurten file of the served municipalities, the instance's secret.
    settings = dataclasses.replace(
        settings,
        WIJKEN_FILE=settings.WIJKEN_FILE or default_wijken_file(ROOT, served.codes),
        SECRET_KEY=settings.SECRET_KEY or _instance_secret(Path(app.instance_path)),
    )
    app.extensions[settings_module.EXTENSION] = settings
    app.config.from_mapping(flask_keys)
    app.config.from_mapping(settings.for_flask())


def _instance_secret(folder: Path) -> str:
    """Return a secret key kept in the instance folder, made once, never in the repository."""
    path = folder / "secret_key"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def register_extensions(app: Flask) -> None:
    """Set up error handling, the database and the domain services."""
    from geo_registry.store import db
    from geo_registry.web import error_pages as errors
    from geo_registry.web import i18n, request_log, security, settings
    from geo_registry.web import services as app_services

    settings.init_app(app)
    request_log.init_app(app)  # first: its line is written after every other hook, with the final status
    i18n.init_app(app)
    from geo_registry.web import area_words

    area_words.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    db.init_app(app)
    app_services.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Attach the public pages, the JSON API, the vendored front-end assets and the security headers."""
    from geo_registry.web import assets, headers, health, metrics, params
    from geo_registry.web import no_store as privacy
    from geo_registry.web.api import http as api_http
    from geo_registry.web.api import ogc as features
    from geo_registry.web.api import openapi
    from geo_registry.web.api import views as api
    from geo_registry.web.public import home as public
    from geo_registry.web.public import info, join, register, renewal, subscribe, tiles

    # coverage and exports add their pages to staff.bp as they are imported
    from geo_registry.web.staff import (  # noqa: F401
        access,
        account,
        accounts,
        coverage,
        exports,
        oidc,
        policy,
        scope,
        second_factor,
        sessions,
    )
    from geo_registry.web.staff import views as staff

    params.init_app(app)
    headers.init_app(app)
    assets.init_app(app)
    sessions.init_app(app)
    policy.init_app(app)
    scope.init_app(app)
    oidc.init_app(app)
    privacy.init_app(app)
    api_http.init_app(app)
    health.init_app(app)
    metrics.init_app(app)
    for blueprint in (
        public.bp,
        info.bp,
        info.robots_bp,
        register.bp,
        join.bp,
        renewal.bp,
        staff.bp,
        api.bp,
        api.legacy,
        features.bp,
        openapi.bp,
        subscribe.bp,
        tiles.bp,
    ):
        app.register_blueprint(blueprint)
    app.register_blueprint(account.bp)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(second_factor.bp)
    app.register_blueprint(oidc.bp)
    from geo_registry.web.public import poster  # the printable poster of a group

    app.register_blueprint(poster.bp)


def register_commands(app: Flask) -> None:
    """Add the geo-registry commands to the app's CLI."""
    from geo_registry import cli

    cli.init_app(app)
