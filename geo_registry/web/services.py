"""The domain services an app uses, built once per app from its settings."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import current_app

from geo_registry.core.config import ROOT
from geo_registry.core.errors import GeoRegistryError
from geo_registry.core.text import _
from geo_registry.domain.groups import GroupStore
from geo_registry.lookup import AddressSource, ChainLookup
from geo_registry.lookup.local import LocalAddressSource
from geo_registry.lookup.pdok import PdokSource
from geo_registry.mail.compose import Voice
from geo_registry.mail.delivery import Mailer
from geo_registry.spatial.buurten import Buurt
from geo_registry.spatial.coverage import Sliver
from geo_registry.spatial.gemeenten import (
    BuurtenFile,
    Served,
    deployment_voice,
    gemeenten_of_area,
    gemeenten_of_point,
    served_from_config,
    voice_of,
)
from geo_registry.spatial.lookup_answer import LookupService
from geo_registry.spatial.neighbours import Neighbours
from geo_registry.spatial.register import BuurtenBase, Registry
from geo_registry.store.change_signal import ChangeSignal
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
    signal = ChangeSignal.at(config.CHANGE_SIGNAL_FILE)
    store = GroupStore(engine, signal)
    local = LocalAddressSource(engine)
    buurten = buurten_file(config, served)
    registry = Registry(buurten, store, local.points, warm_outlines=True, sliver=Sliver.of(config), signal=signal)
    sources: list[AddressSource] = [local]
    if config.PDOK_URL:
        sources.append(PdokSource(config.PDOK_URL, served.codes, config.PDOK_TIMEOUT))
    # The BEL partners' buurten name the municipality of an address just outside, and draw its outline.
    neighbours = Neighbours(
        ROOT / "data" / "bel_wijken.geojson", served.codes, {g.code: g.name for g in served.gemeenten}
    )
    lookup = LookupService(registry, ChainLookup(sources), neighbours)
    return Services(served, store, registry, local, lookup, mailer)


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


def voice(area=None, point: tuple[float, float] | None = None) -> Voice:
    """Whom mail or a poster about this area (a group's) or point (lat, lon) speaks for: its own municipality, the
    region when it spans several, the deployment with neither."""
    served_now, config = served(), settings.current()
    if not served_now.several or (area is None and point is None):
        return deployment_voice(served_now, config)
    outlines = current().registry.snapshot().base.gemeenten
    if area is not None:
        return voice_of(served_now, config, gemeenten_of_area(served_now, outlines, area))
    assert point is not None
    return voice_of(served_now, config, gemeenten_of_point(served_now, outlines, *point))
