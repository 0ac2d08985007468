"""The domain services an app uses, built once per app from its settings."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from .errors import GeoRegistryError
from .text import _
from .groups import GroupStore
from .lookup import ChainLookup
from .mail import Mailer, MailSettings
from .lookup.local import LocalAddressSource
from .lookup.pdok import PdokSource
from .lookup_answer import LookupService
from .spatial import Registry
from .buurten import Buurt, load_buurten


@dataclass
class Services:
    """Everything the views need, wired together."""

    buurten: list[Buurt]
    store: GroupStore
    registry: Registry
    local_addresses: LocalAddressSource
    lookup: LookupService
    mailer: Mailer


def build_services(config, engine) -> Services:
    """Wire the store, the registry and the address sources from settings."""
    path = Path(config["WIJKEN_FILE"])
    if not path.exists():
        current_app.logger.error("Neighbourhoods file not found: %s", path)
        raise GeoRegistryError(_("Het buurtenbestand ontbreekt. Maak het met 'geo-registry import-wijken'."))
    buurten = load_buurten(path)
    store = GroupStore(engine)
    local = LocalAddressSource(engine)
    registry = Registry(buurten, store, local.points)
    sources = [local]
    if config.get("PDOK_URL"):
        sources.append(PdokSource(config["PDOK_URL"], config["GEMEENTECODE"], config["PDOK_TIMEOUT"]))
    mailer = Mailer(engine, MailSettings.from_config(config))
    return Services(buurten, store, registry, local, LookupService(registry, ChainLookup(sources)), mailer)


_build_lock = threading.Lock()


def init_app(app) -> None:
    """Make room for the app's services; they are built on first use, so that commands such as
    import-wijken work before the neighbourhoods file exists."""
    app.extensions["geo_registry"] = None


def current() -> Services:
    """Return the services of the current app, building them once."""
    app = current_app._get_current_object()
    if app.extensions.get("geo_registry") is None:
        with _build_lock:
            if app.extensions.get("geo_registry") is None:
                app.extensions["geo_registry"] = build_services(app.config, app.extensions["geo_registry.engine"])
    return app.extensions["geo_registry"]
