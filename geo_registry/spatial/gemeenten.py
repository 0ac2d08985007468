"""The municipalities a deployment serves: their codes, names and contact details, and their buurten from the
wijken file (read again when the file changes, so that an import reaches a running register)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geo_registry.core.geometry import area_m2
from geo_registry.core.settings import Settings
from geo_registry.core.text import _
from geo_registry.mail.compose import Voice
from geo_registry.spatial.buurten import Buurt, normalise_gemeentecode
from geo_registry.spatial.buurten_cache import OutlineCopy, load_buurten_cached

# The BEL Combinatie's partners, named without a setting; any other municipality as GM0402=Hilversum.
KNOWN_NAMES = {"GM0417": "Laren", "GM0376": "Blaricum", "GM0317": "Eemnes"}
# A group counts for a municipality when this much of its area lies there (a shared edge is not enough).
MIN_SHARE_M2 = 1.0


@dataclass(frozen=True)
class Gemeente:
    """One served municipality and where its residents ask for a new group."""

    code: str
    name: str
    contact_email: str
    contact_phone: str


@dataclass(frozen=True)
class Served:
    """The municipalities of one deployment, sorted by name, and the name pages use for all of them."""

    gemeenten: tuple[Gemeente, ...]
    regio_naam: str = ""

    @property
    def several(self) -> bool:
        """True when the deployment serves more than one municipality (then pages name each one)."""
        return len(self.gemeenten) > 1

    @property
    def codes(self) -> list[str]:
        """The served gemeentecodes (GM plus four digits)."""
        return [g.code for g in self.gemeenten]

    def get(self, code: str) -> Gemeente | None:
        """Return the served municipality with this code, or None."""
        return next((g for g in self.gemeenten if g.code == code), None)

    def names(self, connective: str = "en") -> str:
        """The names as one phrase: 'Laren', or 'Blaricum, Eemnes en Laren' (connective 'of': '... of Laren')."""
        names = [g.name for g in self.gemeenten]
        if len(names) == 1:
            return names[0]
        if connective == "of":
            return _("%(names)s of %(last)s", names=", ".join(names[:-1]), last=names[-1])
        return _("%(names)s en %(last)s", names=", ".join(names[:-1]), last=names[-1])

    def display_name(self) -> str:
        """The deployment's name for titles and texts: the one municipality, the setting, or the names joined."""
        return self.regio_naam if self.several and self.regio_naam else self.names()

    def of_buurten(self, buurten) -> list[Gemeente]:
        """The served municipalities of these buurten, once each, in the deployment's order."""
        codes = {b.gemeentecode for b in buurten}
        return [g for g in self.gemeenten if g.code in codes]


def deployment_voice(served: Served, config: Settings) -> Voice:
    """The voice of mail about no group or place (staff mail): the one municipality, or the region."""
    if not served.several:
        only = served.gemeenten[0]
        return Voice(only.name, only.contact_email, only.contact_phone)
    return Voice(served.display_name(), config.CONTACT_EMAIL, config.CONTACT_PHONE, region=True)


def voice_of(served: Served, config: Settings, gemeenten: list[Gemeente]) -> Voice:
    """The voice for these municipalities (those of a group's area or of a point): one speaks for itself; several
    speak as the region (REGIO_NAAM, else their names) with the general contact; none: the deployment's voice."""
    if len(gemeenten) == 1:
        only = gemeenten[0]
        return Voice(only.name, only.contact_email, only.contact_phone)
    if not gemeenten:
        return deployment_voice(served, config)
    name = served.regio_naam or " / ".join(g.name for g in gemeenten)
    return Voice(name, config.CONTACT_EMAIL, config.CONTACT_PHONE, region=True)


def gemeenten_of_area(served: Served, outlines: dict[str, BaseGeometry], area: BaseGeometry) -> list[Gemeente]:
    """The served municipalities a group's area lies in (more than a shared edge), in the deployment's order."""
    belongs = groups_per_gemeente(outlines, [_Area(area)])
    return [g for g in served.gemeenten if belongs.get(g.code)]


def gemeenten_of_point(served: Served, outlines: dict[str, BaseGeometry], lat: float, lon: float) -> list[Gemeente]:
    """The served municipality a point lies in (none outside them all)."""
    point = Point(lon, lat)
    return [g for g in served.gemeenten if g.code in outlines and outlines[g.code].covers(point)]


@dataclass(frozen=True)
class _Area:
    """Anything with an area, as groups_per_gemeente reads a group."""

    area: BaseGeometry


def parse_codes(setting) -> list[tuple[str, str | None]]:
    """Read the GEMEENTEN setting ('GM0417,GM0376' or 'GM0402=Hilversum GM0417') as (code, name or None)."""
    items = setting if isinstance(setting, (list, tuple)) else re.split(r"[,;\s]+", str(setting or ""))
    result = []
    for item in items:
        code, _sep, name = str(item).strip().partition("=")
        if code:
            result.append((normalise_gemeentecode(code), name.strip() or None))
    return list(dict.fromkeys(result))


def served_from_config(config: Settings) -> Served:
    """The served municipalities from the settings: GEMEENTEN (default: GEMEENTECODE alone, named GEMEENTENAAM),
    with CONTACT_EMAIL/CONTACT_PHONE for each unless CONTACT_EMAIL_GM0376 (and so on) says otherwise."""
    home = normalise_gemeentecode(config.GEMEENTECODE)
    codes = parse_codes(config.GEMEENTEN) or [(home, None)]
    gemeenten = []
    for code, name in codes:
        if not name:
            name = config.GEMEENTENAAM if code == home and config.GEMEENTENAAM else KNOWN_NAMES.get(code, code)
        gemeenten.append(
            Gemeente(
                code=code, name=name, contact_email=config.contact_email(code), contact_phone=config.contact_phone(code)
            )
        )
    return Served(tuple(sorted(gemeenten, key=lambda g: g.name)), config.REGIO_NAAM.strip())


class BuurtenFile:
    """The served municipalities' buurten in the wijken file; stamp() changes when the file is replaced."""

    def __init__(self, path: str | Path, codes=None, cache_dir: str | Path | None = None):
        self.path = Path(path)
        self.codes = None if codes is None else set(codes)  # None: every buurt in the file
        self.cache_dir = cache_dir  # where a fast copy of the file is kept (buurten_cache); None: none

    def stamp(self):
        """What identifies this version of the file and the buurten taken from it (None while it is missing)."""
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return (
            info.st_mtime_ns,
            info.st_size,
            info.st_ino,
            str(self.path.resolve()),
            None if self.codes is None else tuple(sorted(self.codes)),
        )

    def outline_copy(self) -> OutlineCopy | None:
        """Where the outlines of this version of the file and these municipalities are kept (None: nowhere)."""
        return OutlineCopy.of(self.path, self.cache_dir, self.codes)

    def load(self) -> list[Buurt]:
        """The buurten of the served municipalities only (the file may hold more)."""
        return [
            b
            for b in load_buurten_cached(self.path, self.cache_dir)
            if self.codes is None or b.gemeentecode in self.codes
        ]


def groups_per_gemeente(outlines: dict[str, BaseGeometry], groups) -> dict[str, list]:
    """Which groups belong to which municipality: those with part of their area in its outline (a group across
    a border belongs to both)."""
    result: dict[str, list] = {code: [] for code in outlines}
    for group in groups:
        for code, outline in outlines.items():
            if outline.intersects(group.area) and area_m2(group.area.intersection(outline)) > MIN_SHARE_M2:
                result[code].append(group)
    return result


def default_wijken_file(root: Path, codes) -> Path:
    """The shipped buurten file for these municipalities: Laren's own, or the three BEL partners' together."""
    return root / "data" / ("wijken.geojson" if set(codes) <= {"GM0417"} else "bel_wijken.geojson")


def sections(served: Served, snapshot) -> list[tuple[Gemeente | None, list, list]]:
    """The snapshot per served municipality as (municipality, its buurten, its groups), by name; one section
    without a municipality when only one is served (pages then look as they always did)."""
    if not served.several:
        return [(None, snapshot.buurten, snapshot.groups)]
    groups = snapshot.cached(
        "groups-per-gemeente", lambda: groups_per_gemeente(snapshot.base.gemeenten, snapshot.groups)
    )
    return [
        (g, [b for b in snapshot.buurten if b.gemeentecode == g.code], groups.get(g.code, [])) for g in served.gemeenten
    ]
