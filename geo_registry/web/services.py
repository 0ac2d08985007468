"""The domain services an app uses, built once per app from its settings."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import current_app

from geo_registry.core.errors import GeoRegistryError
from geo_registry.core.text import _
from geo_registry.domain.groups import GroupStore
from geo_registry.lookup import AddressSource, ChainLookup
from geo_registry.lookup.local import LocalAddressSource
from geo_registry.lookup.pdok import PdokSource
from geo_registry.mail.delivery import Mailer
from geo_registry.spatial.buurten import Buurt
from geo_registry.spatial.gemeenten import BuurtenFile, Served, served_from_config
from geo_registry.spatial.lookup_answer import LookupService
from geo_registry.spatial.register import BuurtenBase, Registry
from geo_registry.web import settings
from geo_registry.web.current import current_app_object
from geo_registry.web.mailing import app_mailer


@dataclass
class Services:
    """Everything the views need, wired together."""

    served: Served
    store: GroupStore
    registry: Registry
    local_addresses: LocalAddressSource
    lookup: LookupService
    mailer: Mailer

    @property
    def buurten(self) -> list[Buurt]:
        """The served buurten as they are now (an import-wijken beside the app changes them)."""
        return self.registry.snapshot().buurten


def buurten_file(config, served: Served) -> BuurtenFile:
    """The served buurten's source: the wijken file, its fast copy and the outlines kept beside it."""
    # Without GEMEENTEN the file is the one municipality's, whatever its codes say (as before the setting).
    return BuurtenFile(config.WIJKEN_FILE, served.codes if config.GEMEENTEN else None, config.BUURTEN_CACHE)


def keep_outlines(config, served: Served) -> None:
    """Make the served municipalities' outlines for the wijken file as it is now and keep them beside its fast
    copy (when they are not kept already), so that no server process makes them (import-wijken calls this)."""
    source = buurten_file(config, served)
    copy = source.outline_copy()
    if copy is not None and copy.load() is None:
        BuurtenBase(source.load(), source.stamp(), copy).outlines()  # made, and kept by copy


def build_services(config, engine, mailer: Mailer) -> Services:
    """Wire the store, the registry and the address sources from settings, with the app's mailer."""
    path = config.WIJKEN_FILE
    if not path.exists():
        current_app.logger.error("Neighbourhoods file not found: %s", path)
        raise GeoRegistryError(_("Het buurtenbestand ontbreekt. Maak het met 'geo-registry import-wijken'."))
    served = served_from_config(config)  # the same as served(): both made from the same settings
    store = GroupStore(engine)
    local = LocalAddressSource(engine)
    buurten = buurten_file(config, served)
    registry = Registry(buurten, store, local.points, warm_outlines=True)
    sources: list[AddressSource] = [local]
    if config.PDOK_URL:
        sources.append(PdokSource(config.PDOK_URL, served.codes, config.PDOK_TIMEOUT))
    return Services(served, store, registry, local, LookupService(registry, ChainLookup(sources)), mailer)


_build_lock = threading.Lock()


def init_app(app) -> None:
    """Make room for the app's services; they are built on first use, so that commands such as
    import-wijken work before the neighbourhoods file exists."""
    app.extensions["geo_registry"] = None


def served() -> Served:
    """The municipalities the current app serves (from its settings alone, so any page can name them)."""
    app = current_app_object()
    if app.extensions.get("geo_registry.served") is None:
        app.extensions["geo_registry.served"] = served_from_config(settings.of(app))
    return app.extensions["geo_registry.served"]


def current() -> Services:
    """Return the services of the current app, building them once."""
    app = current_app_object()
    if app.extensions.get("geo_registry") is None:
        with _build_lock:
            if app.extensions.get("geo_registry") is None:
                engine = app.extensions["geo_registry.engine"]
                app.extensions["geo_registry"] = build_services(settings.of(app), engine, app_mailer(app))
    return app.extensions["geo_registry"]
