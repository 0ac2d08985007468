"""Constants the settings and the pages share (the settings themselves: geo_registry/core/settings.py)."""

from pathlib import Path

from geo_registry.core.text import N_

ROOT = Path(__file__).resolve().parent.parent.parent

PDOK_LOCATIESERVER = "https://api.pdok.nl/bzk/locatieserver/search/v3_1"

# PDOK's BRT-Achtergrondkaart, the government's standard basemap (WMTS, web mercator).
PDOK_BRT_TILES = "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png"
PDOK_BRT_ATTRIBUTION = N_('Achtergrondkaart: <a href="https://www.pdok.nl/">PDOK</a> / Kadaster (BRT-Achtergrondkaart)')

# Links in e-mail composed where no server runs and no PUBLIC_URL is set (e.g. by a command from cron).
LOCAL_URL = "http://127.0.0.1:5000"

# Every map shows this (the CBS licence asks for it); translated where it is shown.
CBS_ATTRIBUTION = N_("Buurtgrenzen: CBS / Kadaster, CC BY 4.0")


def tile_url(value: str) -> str | None:
    """Turn the TILES setting into a tile URL template, or None for no basemap."""
    value = (value or "").strip()
    if value.lower() in ("", "none", "geen"):
        return None
    return PDOK_BRT_TILES if value.lower() == "pdok" else value
