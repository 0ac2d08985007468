"""The app's typed settings (geo_registry.core.settings) as the web layer reads them: settings.current().X."""

from __future__ import annotations

from flask import current_app

from geo_registry.core.settings import EXTENSION, Settings


def of(app) -> Settings:
    """The settings an app was started with (or changed to since)."""
    return app.extensions[EXTENSION]


def current() -> Settings:
    """The current app's settings."""
    return of(current_app)


def change(app, **values) -> Settings:
    """Change some of a running app's settings (serve sets PUBLIC_URL; tests lower a limit), each parsed as at
    start; those Flask reads are given to it again."""
    changed = app.extensions[EXTENSION] = of(app).changed(**values)
    app.config.from_mapping(changed.for_flask())
    return changed


def init_app(app) -> None:
    """Offer the settings to every page template as `settings`."""
    app.context_processor(lambda: {"settings": of(app)})
