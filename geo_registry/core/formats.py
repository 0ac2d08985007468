"""Dates and numbers as people read them, per language, with Babel (CLDR): "26 november 2026 om 13:45" and
"26 November 2026, 13:45", "52,0%" and "52.0%", "12.345" and "12,345". Without Flask, so that e-mail and exports
use the same words as the pages (the web layer's Jinja filters are in i18n.py).

Times come from the database as aware datetimes in UTC (store/tables.Instant); people read them in the
municipality's time zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from babel.dates import format_datetime, get_timezone
from babel.numbers import format_decimal, format_percent

TIMEZONE = "Europe/Amsterdam"
# A date with its time, as Dutch and British readers write it; Babel fills in the month's name per language.
WHEN = {"nl": "d MMMM y 'om' HH:mm", "en": "d MMMM y, HH:mm"}
DAY = "d MMMM y"
# In a CSV file: ISO 8601 order in local time, which Excel and LibreOffice read as a date-time in any language.
SPREADSHEET_TIME = "yyyy-MM-dd HH:mm"


def moment(value) -> datetime | None:
    """Return a time (a datetime, or ISO 8601 text such as a link carries; without an offset it is UTC) as an
    aware datetime, or None when there is none or it cannot be read."""
    if not value:
        return None
    if not isinstance(value, datetime):
        try:
            value = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def pattern_for(lang: str) -> str:
    """The date-and-time pattern of lang (Dutch for a language the site does not offer)."""
    return WHEN.get(lang, WHEN["nl"])


def when(value, lang: str, tz: str = TIMEZONE) -> str:
    """Return a stored time as "26 november 2026 om 13:45" (nl) or "26 November 2026, 13:45" (en) in tz;
    text that is no time comes back as it was, nothing as ''."""
    stamp = moment(value)
    if stamp is None:
        return str(value or "")
    return format_datetime(stamp, pattern_for(lang), tzinfo=get_timezone(tz), locale=lang)


def day(value, lang: str, tz: str = TIMEZONE) -> str:
    """Return the date of a stored time in tz as "26 november 2026" (nl) or "26 November 2026" (en)."""
    stamp = moment(value)
    if stamp is None:
        return str(value or "")
    return format_datetime(stamp, DAY, tzinfo=get_timezone(tz), locale=lang)


def spreadsheet_time(value, tz: str = TIMEZONE) -> str:
    """Return a stored time as "2026-11-26 13:45" in tz, the form spreadsheets read as a date and time."""
    stamp = moment(value)
    if stamp is None:
        return str(value or "")
    return format_datetime(stamp, SPREADSHEET_TIME, tzinfo=get_timezone(tz), locale="en")


def number_pattern(digits: int) -> str:
    """The Babel pattern for a number with thousands separators and exactly digits decimals."""
    return "#,##0" + ("." + "0" * digits if digits > 0 else "")


def number(value, lang: str, digits: int = 0) -> str:
    """Return value with the thousands separator and decimal sign of lang: 12.345,6 (nl), 12,345.6 (en)."""
    return format_decimal(value, number_pattern(digits), locale=lang)


def percent(share, lang: str, digits: int = 1) -> str:
    """Return a share (0.52) as a percentage of lang: "52,0%" (nl), "52.0%" (en)."""
    return format_percent(share, number_pattern(digits) + "%", locale=lang)


# A Dutch mobile number as stored (domain.validation.mobile_number): +316 and eight digits.
STORED_MOBILE = re.compile(r"^\+316([0-9]{8})$")


def mobile(value, lang: str) -> str:
    """Show a stored mobile number as people write it: 06 12345678 in Dutch, +31 6 12345678 in English (a reader
    abroad dials the country code); anything else (an older or foreign notation) as it was stored."""
    text = str(value or "")
    match = STORED_MOBILE.match(text)
    if not match:
        return text
    return ("06 " if lang == "nl" else "+31 6 ") + match.group(1)
