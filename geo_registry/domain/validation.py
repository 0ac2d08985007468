"""Checks of what people type into forms; each failure is a BadInput naming its field."""

from __future__ import annotations

import re

from geo_registry.core.errors import BadInput
from geo_registry.core.text import _

# An address as every mail server takes it (RFC 5321/5322 dot-atom, ASCII): no control characters, quotes,
# commas, semicolons or brackets, which turned 'a\x00b@x.nl' into a NUL in a header and 'a,b@x.nl' into two
# recipients; no letters outside ASCII, which without SMTPUTF8 became a garbled header ('=?unknown-8bit?...').
EMAIL_RE = re.compile(
    r"(?=[^@]{1,64}@)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\Z"
)
# A group's fields as the registration form limits them (web/form_classes.GroupForm): every other way in
# (import-groups, the staff's edit, a proposed change) checks them with the same functions and limits.
MAX_GROUP_NAME = 120
MAX_DESCRIPTION = 500
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


def group_details(values, names: dict[str, str] | None = None) -> dict:
    """A group's details (name, beheerder_name, beheerder_email, beheerder_phone, description) cleaned and
    checked as the registration form does: one-line names without control characters, at most 120 characters, a
    valid address, a Dutch mobile number or none, a description of at most 500. Raises BadInput whose field is the
    key in values, or its name in names (the form's field names, say)."""
    label = (names or {}).get
    return {
        "name": required_text(
            values.get("name"), label("name", "name"), _("Vul de naam van de groep in."), MAX_GROUP_NAME
        ),
        "beheerder_name": required_text(
            values.get("beheerder_name"), label("beheerder_name", "beheerder_name"), _("Vul uw naam in.")
        ),
        "beheerder_email": email_address(values.get("beheerder_email"), label("beheerder_email", "beheerder_email")),
        "beheerder_phone": mobile_number(
            values.get("beheerder_phone"), label("beheerder_phone", "beheerder_phone"), required=False
        )
        or None,
        "description": optional_text(values.get("description"), label("description", "description"), MAX_DESCRIPTION)
        or None,
    }
