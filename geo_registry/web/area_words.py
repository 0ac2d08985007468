"""An area's size in words a resident can picture: hectares, and roughly how many addresses it holds where an
address table is loaded (square metres such as '1.192.925 m²' mean little to most people)."""

from __future__ import annotations

import numpy as np
import shapely

from geo_registry.core.text import _
from geo_registry.web import services as app_services
from geo_registry.web.i18n import number


def hectares(m2: float) -> str:
    """'ongeveer 119 hectare' / 'about 119 hectares'; one decimal below 10 ha, 'less than 0.1' below that."""
    ha = float(m2) / 10_000
    if ha < 0.05:
        return _("minder dan %(ha)s hectare", ha=number(0.1, 1))
    return _("ongeveer %(ha)s hectare", ha=number(ha, 1 if ha < 10 else 0))


def rough(count: int) -> int:
    """A count rounded as people say it: exact below 20, to tens below 1,000, to hundreds above."""
    if count < 20:
        return count
    step = 10 if count < 1000 else 100
    return int(round(count / step) * step)


def addresses_in(geometry) -> int | None:
    """How many addresses of the address table lie in geometry (WGS84); None without an address table."""
    if geometry is None:
        return None
    points = app_services.current().registry.snapshot().points()
    if points is None:
        return None
    lon, lat = points
    return int(np.count_nonzero(shapely.contains_xy(geometry, np.asarray(lon), np.asarray(lat))))


def addresses_about(geometry) -> str:
    """Jinja global: roughly how many addresses lie in geometry, as the page writes a number; '' when unknown."""
    count = addresses_in(geometry)
    return number(rough(count)) if count else ""


def init_app(app) -> None:
    """Make hectares and addresses_about available to every template."""
    app.jinja_env.globals.update(hectares=hectares, addresses_about=addresses_about)
