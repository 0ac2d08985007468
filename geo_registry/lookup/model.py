"""The address query a resident types, the address a source returns, and how to pick one."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from geo_registry.core.errors import AddressAmbiguous, AddressNotFound, BadInput
from geo_registry.core.text import _

# ASCII digits only: str.isdigit() and \d also accept digits such as '²' that int() refuses.
POSTCODE_RE = re.compile(r"^\s*([0-9]{4})\s*([A-Za-z]{2})\s*$")
# In free text a postcode is written '1251KV', '1251 KV' or '1251-kv'.
POSTCODE_IN_TEXT = re.compile(r"\b([1-9][0-9]{3})[\s-]?([A-Za-z]{2})\b")
# What people type in the postcode field besides the 4 digits and 2 letters: spaces anywhere, a hyphen, a dot.
POSTCODE_NOISE = re.compile(r"[\s\-.]+")
HOUSE_TOKEN = re.compile(r"^([0-9]{1,5})([A-Za-z]?)(?:[-/]([A-Za-z0-9]{1,4}))?$")
NUMBER_RE = re.compile(r"^[0-9]{1,5}$")
# The house-number field as people type it: 10, 10a, 10 A, 10-2, 10/2, 10 bis, 10A-2. A single letter right
# after the number is the huisletter; what follows a dash, slash or space (or several letters) the toevoeging.
HOUSE_FIELD = re.compile(r"^([0-9]{1,5})(?![0-9])\s*([A-Za-z](?![A-Za-z]))?\s*(?:[-/]?\s*([A-Za-z0-9]{1,4}))?$")
MAX_TEXT = 200


def normalise(text: str | None) -> str:
    """Return text in lower case without accents, punctuation or repeated spaces."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def _house(value: str | int | None) -> tuple[int, str, str]:
    """Split the house-number field into number, letter and addition ('10 A' -> 10, 'A', '')."""
    text = " ".join(str(value if value is not None else "").split())
    house = HOUSE_FIELD.match(text)
    if not house:
        return _number(text, "huisnummer"), "", ""
    return _number(house.group(1), "huisnummer"), house.group(2) or "", house.group(3) or ""


def _number(value: str | int | None, field: str) -> int:
    text = str(value if value is not None else "").strip()
    if not text:
        raise BadInput(_("Vul een huisnummer in."), field=field)
    if not NUMBER_RE.match(text) or int(text) < 1:
        raise BadInput(_("Het huisnummer moet een heel getal groter dan 0 zijn, bijvoorbeeld 12."), field=field)
    return int(text)


@dataclass(frozen=True)
class AddressQuery:
    """A parsed address query: postcode and number, or street and number (and town) from free text."""

    postcode: str | None = None
    huisnummer: int | None = None
    huisletter: str = ""
    toevoeging: str = ""
    straat: str = ""
    woonplaats: str = ""
    text: str = ""

    @classmethod
    def from_fields(cls, postcode, huisnummer, huisletter="", toevoeging="") -> AddressQuery:
        """Validate the postcode form's fields (raises BadInput with the field's name)."""
        match = POSTCODE_RE.match(POSTCODE_NOISE.sub("", postcode or ""))
        if not (postcode or "").strip():
            raise BadInput(_("Vul een postcode in, bijvoorbeeld 1251 KV."), field="postcode")
        if not match:
            raise BadInput(
                _("Een postcode bestaat uit 4 cijfers en 2 letters, bijvoorbeeld 1251 KV."), field="postcode"
            )
        number, typed_letter, typed_extra = _house(huisnummer)
        letter = (huisletter or "").strip() or typed_letter
        toevoeging = (toevoeging or "").strip() or typed_extra
        if letter and not re.fullmatch(r"[A-Za-z]", letter):
            raise BadInput(_("Een huisletter is één letter, bijvoorbeeld A."), field="huisletter")
        extra = (toevoeging or "").strip()
        if extra and not re.fullmatch(r"[A-Za-z0-9]{1,4}", extra):
            raise BadInput(
                _("Een toevoeging is 1 tot 4 letters of cijfers, bijvoorbeeld 2 of bis."), field="toevoeging"
            )
        pc = (match.group(1) + match.group(2)).upper()
        return cls(postcode=pc, huisnummer=number, huisletter=letter.upper(), toevoeging=extra.upper())

    @classmethod
    def from_text(cls, text: str | None) -> AddressQuery:
        """Parse free text such as 'Brink 12 Laren' or 'Brink 12a, 1251 KV Laren'."""
        raw = " ".join((text or "").split())
        if not raw:
            raise BadInput(_("Vul een adres in, bijvoorbeeld Brink 12 Laren."), field="q")
        if len(raw) > MAX_TEXT:
            raise BadInput(_("Het adres is te lang (hoogstens %(max)d tekens).", max=MAX_TEXT), field="q")
        postcode_match = POSTCODE_IN_TEXT.search(raw)
        rest = POSTCODE_IN_TEXT.sub(" ", raw) if postcode_match else raw
        tokens = [t for t in re.split(r"[\s,]+", rest) if t]
        for i, token in enumerate(tokens):
            house = HOUSE_TOKEN.match(token)
            if house and (i > 0 or postcode_match):
                straat = " ".join(tokens[:i])
                woonplaats = " ".join(tokens[i + 1 :])
                return cls(
                    postcode=(postcode_match.group(1) + postcode_match.group(2)).upper() if postcode_match else None,
                    huisnummer=int(house.group(1)),
                    huisletter=house.group(2).upper(),
                    toevoeging=(house.group(3) or "").upper(),
                    straat=straat,
                    woonplaats=woonplaats,
                    text=raw,
                )
        raise BadInput(
            _("Vul straat en huisnummer in, bijvoorbeeld Brink 12 Laren, of gebruik postcode en huisnummer."), field="q"
        )


@dataclass(frozen=True)
class Address:
    """One address with its point (WGS84) as a source returned it."""

    straat: str
    huisnummer: int
    huisletter: str
    toevoeging: str
    postcode: str
    woonplaats: str
    lat: float
    lon: float
    gemeentenaam: str = ""
    source: str = ""

    @property
    def house(self) -> str:
        """The house number with letter and addition, as written on the door."""
        return f"{self.huisnummer}{self.huisletter}" + (f"-{self.toevoeging}" if self.toevoeging else "")

    @property
    def weergavenaam(self) -> str:
        """The address on one line: 'Brink 12A, 1251 KV Laren'."""
        pc = f"{self.postcode[:4]} {self.postcode[4:]}" if len(self.postcode) == 6 else self.postcode
        return f"{self.straat} {self.house}, {pc} {self.woonplaats}".strip()

    def to_public(self) -> dict:
        """Return the address as JSON fields."""
        return {
            "weergavenaam": self.weergavenaam,
            "straat": self.straat,
            "huisnummer": self.huisnummer,
            "huisletter": self.huisletter or None,
            "toevoeging": self.toevoeging or None,
            "postcode": self.postcode,
            "woonplaats": self.woonplaats,
            "lat": self.lat,
            "lon": self.lon,
        }


def matches(query: AddressQuery, address: Address) -> bool:
    """Tell whether address fits everything the query states (letters and additions aside)."""
    if query.postcode and address.postcode.upper() != query.postcode:
        return False
    if query.huisnummer is not None and address.huisnummer != query.huisnummer:
        return False
    if query.straat and normalise(query.straat) not in normalise(address.straat):
        return False
    if (
        query.woonplaats
        and normalise(query.woonplaats) != normalise(address.woonplaats)
        and normalise(query.woonplaats) != normalise(address.gemeentenaam)
    ):
        return False
    return True


def not_found(query: AddressQuery) -> AddressNotFound:
    """The error for an address no source knows, in the terms of the form it was asked with: free text is
    answered about the text typed (field q), not about a postcode the resident never gave."""
    if query.text and not query.postcode:
        return AddressNotFound(_("Er is geen adres gevonden bij ‘%(text)s’.", text=query.text), field="q")
    return AddressNotFound()


def pick(query: AddressQuery, found: list[Address]) -> Address:
    """Choose the one address the query means, or raise AddressNotFound / AddressAmbiguous."""
    fitting = list(
        {
            (a.postcode, a.huisnummer, a.huisletter, a.toevoeging, a.straat, a.woonplaats): a
            for a in found
            if matches(query, a)
        }.values()
    )
    if not fitting:
        raise AddressNotFound()
    exact = [
        a for a in fitting if a.huisletter.upper() == query.huisletter and a.toevoeging.upper() == query.toevoeging
    ]
    if len(exact) == 1:
        return exact[0]
    if len(fitting) == 1 and not (query.huisletter or query.toevoeging):
        return fitting[0]
    if not exact and (query.huisletter or query.toevoeging):
        narrowed = [a for a in fitting if not query.huisletter or a.huisletter.upper() == query.huisletter]
        if not narrowed:
            raise AddressNotFound()
        if len(narrowed) == 1:
            return narrowed[0]
        fitting = narrowed
    candidates = sorted(
        exact or fitting, key=lambda a: (a.woonplaats, a.straat, a.huisnummer, a.huisletter, a.toevoeging)
    )
    raise AddressAmbiguous(candidates[:20])
