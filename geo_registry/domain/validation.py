"""Checks of what people type into forms; each failure is a BadInput naming its field."""

from __future__ import annotations

import re

from geo_registry.core.errors import BadInput
from geo_registry.core.text import _
from geo_registry.domain.groups import EMAIL_RE

MOBILE_RE = re.compile(r"^(?:\+31|0031|0)6([0-9]{8})$")
MAX_ID = 2**63 - 1  # SQLite's largest INTEGER: a larger number cannot even be looked up
ID_RE = re.compile(r"^[0-9]{1,19}$")  # ASCII digits only (int() also takes other scripts' digits)
# Control characters other than tab and line breaks: nobody types them, PostgreSQL cannot store a NUL at all, and
# in a group's name they would reach maps, posters and e-mail.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _too_long(field: str, max_length: int) -> BadInput:
    return BadInput(_("Dit is te lang (hoogstens %(max)d tekens).", max=max_length), field=field)


def _no_control(text: str, field: str) -> str:
    if CONTROL_RE.search(text):
        raise BadInput(
            _("Dit veld bevat tekens die hier niet kunnen (zoals stuurtekens). Typ de tekst opnieuw."), field=field
        )
    return text


def required_text(value, field: str, missing: str, max_length: int = 120) -> str:
    """Return stripped text; an empty field gets the message `missing`, an overlong one a limit, one with
    control characters a refusal."""
    text = " ".join(_no_control(str(value or ""), field).split())
    if not text:
        raise BadInput(missing, field=field)
    if len(text) > max_length:
        raise _too_long(field, max_length)
    return text


def optional_text(value, field: str, max_length: int) -> str:
    """Return stripped text or '', refusing overlong input and control characters (tabs and line breaks pass)."""
    text = _no_control(str(value or ""), field).strip()
    if len(text) > max_length:
        raise _too_long(field, max_length)
    return text


def email_address(value, field: str = "email") -> str:
    """Return a plausible e-mail address."""
    text = str(value or "").strip()
    if not text:
        raise BadInput(_("Vul een e-mailadres in."), field=field)
    if len(text) > 254 or not EMAIL_RE.match(text):
        raise BadInput(_("Vul een geldig e-mailadres in, bijvoorbeeld naam@voorbeeld.nl."), field=field)
    return text


def mobile_number(value, field: str = "mobiel", required: bool = True) -> str:
    """Return a Dutch mobile number as +316xxxxxxxx (06…, +31 6…, 0031 6… accepted)."""
    text = re.sub(r"[\s\-().]", "", str(value or ""))
    if not text:
        if required:
            raise BadInput(_("Vul uw mobiele nummer in (WhatsApp werkt met een mobiel nummer)."), field=field)
        return ""
    match = MOBILE_RE.match(text)
    if not match:
        raise BadInput(
            _("Vul een Nederlands mobiel nummer in, bijvoorbeeld 06 12345678 of +31 6 12345678."), field=field
        )
    return "+316" + match.group(1)


def record_id(value, field: str) -> int | None:
    """Return the number of a record (a group, a change) from a form field, None when empty."""
    text = str(value or "").strip()
    if not text:
        return None
    if not ID_RE.match(text) or not 0 < int(text) <= MAX_ID:
        raise BadInput(
            _("Dit is geen geldig nummer (%(field)s). Laad de pagina opnieuw en probeer het nog eens.", field=field),
            field=field,
        )
    return int(text)


def collect(errors: dict, field_check, *args, **kwargs):
    """Run one check; store its message under its field instead of raising. Return the value or None."""
    try:
        return field_check(*args, **kwargs)
    except BadInput as error:
        errors[error.field] = error.message
        return None
