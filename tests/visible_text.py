"""What a reader sees (or a screen reader says) on a page: its visible text lines, and the checks that find Dutch
text left on an English page, by comparison with the Dutch page and with the message catalogue."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from babel.messages.pofile import read_po

from geo_registry.core.config import ROOT

SKIPPED = {"script", "style", "template", "noscript", "svg"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
BLOCKS = {
    "address",
    "article",
    "aside",
    "blockquote",
    "button",
    "caption",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "label",
    "legend",
    "li",
    "main",
    "nav",
    "ol",
    "option",
    "p",
    "pre",
    "section",
    "select",
    "summary",
    "table",
    "td",
    "textarea",
    "th",
    "title",
    "tr",
    "ul",
    "br",
}
SPOKEN = ("alt", "title", "aria-label", "placeholder")
# Names that read the same in both languages: brands, products, organisations, the language names.
NAMES = {
    "WhatsApp",
    "WhatsApp-buurtpreventie",
    "PDOK",
    "CBS",
    "Kadaster",
    "BRT-Achtergrondkaart",
    "Leaflet",
    "OpenAPI",
    "JSON",
    "GeoJSON",
    "CSV",
    "API",
    "SAAR",
    "BAG",
    "Nederlands",
    "English",
    "Laren",
    "CC",
    "BY",
    "Locatieserver",
    "OpenStreetMap",
    "Folium",
    "Contact",
    "GET",
    "ok",
    "OK",
}


class _Text(HTMLParser):
    """Collects text lines, leaving out scripts, styles and hidden elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines, self.current, self.stack = [], [], []  # stack: (tag, hidden or inside something hidden)

    def _hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def _break(self):
        line = " ".join("".join(self.current).split())
        if line:
            self.lines.append(line)
        self.current = []

    def handle_starttag(self, tag, attrs):
        values = {name: value or "" for name, value in attrs}
        hidden = (
            self._hidden()
            or tag in SKIPPED
            or "hidden" in values
            or values.get("type") == "hidden"
            or bool(re.search(r"display\s*:\s*none", values.get("style", "")))
            or (tag != "html" and "lang" in values)
        )  # a part declared in its own language (WCAG 3.1.2) is deliberate
        if tag in BLOCKS:
            self._break()
        if not hidden:
            for name in SPOKEN:
                if values.get(name, "").strip():
                    self.lines.append(" ".join(values[name].split()))
            if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
                self.lines.append(values["value"].strip())
        if tag not in VOID:
            self.stack.append((tag, hidden))

    def handle_endtag(self, tag):
        if tag in [t for t, _ in self.stack]:
            while self.stack and self.stack.pop()[0] != tag:
                pass
        if tag in BLOCKS:
            self._break()

    def handle_data(self, data):
        tags = [t for t, _ in self.stack]
        if not self._hidden() and ("head" not in tags or "title" in tags):
            self.current.append(data)


def visible_lines(html: str) -> list[str]:
    """The page's visible text, one line per block, plus the texts of alt, title, aria-label and placeholder."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    parser._break()
    return parser.lines


def dutch_messages() -> list[tuple[str, re.Pattern]]:
    """(msgid, pattern) for every Dutch source text whose English translation differs from it."""
    with (ROOT / "translations/en/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    found = []
    for message in catalogue:
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        for msgid in ids:
            if not msgid or msgid in strings:
                continue
            literal = " ".join(re.sub(r"<[^>]+>", " ", msgid.replace("%%", "%")).split())
            chunks = [
                re.escape(" ".join(c.split())).replace(r"\ ", r"\s*") for c in re.split(r"%\(\w+\)[sd]|%[sd]", literal)
            ]
            if sum(len(re.findall(r"[A-Za-zÀ-ÿ]", c)) for c in chunks) < 4:
                continue  # too short to tell from a name
            found.append((msgid, re.compile(r"\s*(.+?)\s*".join(chunks) if len(chunks) > 1 else chunks[0])))
    return found


def same_in_both() -> set[str]:
    """Source texts the English catalogue deliberately keeps as they are (Postcode, Contact, ...)."""
    with (ROOT / "translations/en/LC_MESSAGES/messages.po").open("rb") as handle:
        return {m.id for m in read_po(handle) if isinstance(m.id, str) and m.id and m.string == m.id}


def untranslated(english: list[str], dutch: list[str], names: set[str], messages) -> list[str]:
    """Lines of the English page that are Dutch: a Dutch source text, or a line the Dutch page shows alike
    that is not made of names, numbers and addresses."""
    problems = []
    for line in english:
        for msgid, pattern in messages:
            match = pattern.fullmatch(line) or (len(msgid.split()) >= 3 and pattern.search(line))
            if match:
                problems.append(f"{line!r} is the Dutch text {msgid!r}")
                break
    for line in sorted(set(english) & set(dutch)):
        # E-mail addresses, links and paths, buurt codes and postcodes first, then the names.
        rest = re.sub(r"\S+@\S+|https?://\S+|/\S*|\b[A-Z]{2}\d{4,}\b|\b\d{4}\s?[A-Z]{2}\b", " ", line)
        for name in sorted(names | NAMES | same_in_both(), key=len, reverse=True):
            rest = rest.replace(name, " ")
        if re.search(r"[A-Za-zÀ-ÿ]{2,}", rest):
            problems.append(f"{line!r} is the same on the Dutch page")
    return problems
