"""Default settings; each can be overridden by a GEO_REGISTRY_* environment variable."""

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


def defaults(instance_path: str) -> dict:
    """Return the built-in settings for an app whose instance folder is instance_path."""
    return {
        "SECRET_KEY": None,
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'geo_registry.sqlite3'}",
        "GEMEENTECODE": "GM0417",
        "GEMEENTENAAM": "Laren",
        # The municipalities served, e.g. "GM0417,GM0376,GM0317" (BEL); empty: GEMEENTECODE alone.
        "GEMEENTEN": "",
        # What pages call a deployment of several municipalities, e.g. "BEL Combinatie"; empty: their names.
        "REGIO_NAAM": "",
        # Empty: data/wijken.geojson (Laren), or data/bel_wijken.geojson when other municipalities are served.
        "WIJKEN_FILE": "",
        # Where a fast (FlatGeobuf) copy of the wijken file is kept for quick starts; empty: no copy.
        "BUURTEN_CACHE": str(Path(instance_path) / "cache"),
        "EXAMPLES_FILE": str(ROOT / "data" / "voorbeeldgroepen.geojson"),
        "PDOK_URL": PDOK_LOCATIESERVER,
        "PDOK_TIMEOUT": 3.0,
        "TILES": "pdok",
        "TILES_ATTRIBUTION": PDOK_BRT_ATTRIBUTION,
        "VENDOR_DIR": str(ROOT / "node_modules"),
        "CONTENT_DIR": str(ROOT / "content"),
        "CONTACT_EMAIL": "veiligheid@belcombinatie.nl",
        "CONTACT_PHONE": "14 035",
        # The site's address for links in e-mail; empty: the address `geo-registry serve` was started on.
        "PUBLIC_URL": "",
        "MAIL_HOST": "",
        "MAIL_PORT": 25,
        "MAIL_TLS": "none",
        "MAIL_USER": "",
        "MAIL_PASSWORD": "",
        "MAIL_SENDER": "WhatsApp-buurtpreventie Laren <noreply@belcombinatie.nl>",
        "MAIL_OUTBOX": str(Path(instance_path) / "outbox"),
        "MAIL_TIMEOUT": 10,
        "MAIL_RETENTION_DAYS": 14,
        "MAIL_POLL_SECONDS": 30,  # how often the delivery worker looks for messages due for another attempt
        "CONFIRM_MAX_AGE_HOURS": 48,
        "LOGIN_LIMIT": 5,
        "JOIN_LIMIT": 5,
        # Join requests one group's beheerder gets per hour, from all clients together (a flood from many
        # addresses stops here; a new group after a poster campaign still gets its neighbours' requests).
        "JOIN_GROUP_LIMIT": 20,
        "REGISTER_LIMIT": 5,
        "HANDOVER_LIMIT": 3,  # handovers sent per hour, per client and per personal link
        # Where Flask-Limiter keeps its counts: memory:// (one process), or e.g. redis://host:6379 for several.
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # Up to this many groups and buurten together a map carries them in the page; above it (a national
        # register) it loads those in view per tile from /kaart/tegels, so a page stays small at any size.
        "MAP_EMBED_LIMIT": 3000,
        "MAX_FORM_MEMORY_SIZE": 500_000,  # one form field (a drawn area); the page that refuses more says 500 kB
        "SESSION_COOKIE_SECURE": False,
        "TRUST_PROXY": False,
        # WhatsApp's member limit per group (the municipality's page still says 256; WhatsApp now allows 1024).
        "MEMBER_LIMIT": 1024,
        "CONFIRM_INTERVAL_DAYS": 365,
        "RENEWAL_LINK_DAYS": 60,
    }


def tile_url(value: str) -> str | None:
    """Turn the TILES setting into a tile URL template, or None for no basemap."""
    value = (value or "").strip()
    if value.lower() in ("", "none", "geen"):
        return None
    return PDOK_BRT_TILES if value.lower() == "pdok" else value
