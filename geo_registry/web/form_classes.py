"""The site's forms as Flask-WTF classes: one class per concept, each field checked by validation.py.

The templates draw the fields themselves (templates/_forms.html, for the error texts tied to each field);
these classes read, check and clean what was sent, and map a group's form onto a Group's attributes.
"""

from __future__ import annotations

from functools import lru_cache

from babel import support
from flask import current_app, request
from flask_babel import get_locale
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import HiddenField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import StopValidation

from geo_registry.core.errors import BadInput
from geo_registry.core.text import N_, _
from geo_registry.domain.areas import split_into_buurten
from geo_registry.domain.validation import email_address, mobile_number, optional_text, required_text
from geo_registry.web import services as app_services
from geo_registry.web import settings
from geo_registry.web.forms import checked_area_from_form, drawing_text


class Checked:
    """A WTForms validator running one check of validation.py; the cleaned value goes to field.cleaned,
    while field.data keeps what was typed (a form with errors shows it again as it was)."""

    def __init__(self, check):
        self.check = check

    def __call__(self, form, field):
        """Check the field; its Dutch message (translated now) stops the field's other checks."""
        try:
            field.cleaned = self.check(field.data, field.name)
        except BadInput as error:
            field.cleaned = None
            raise StopValidation(error.message) from None


def required(missing: str, max_length: int = 120) -> Checked:
    """Text that must be there; `missing` is the (N_-marked) message when it is empty."""
    return Checked(lambda value, name: required_text(value, name, _(missing), max_length))


def optional(max_length: int) -> Checked:
    """Text that may be empty, up to max_length characters."""
    return Checked(lambda value, name: optional_text(value, name, max_length))


def email() -> Checked:
    """A plausible e-mail address."""
    return Checked(lambda value, name: email_address(value, name))


def mobile(needed: bool = True) -> Checked:
    """A Dutch mobile number, cleaned to +316xxxxxxxx."""
    return Checked(lambda value, name: mobile_number(value, name, required=needed))


@lru_cache(maxsize=16)
def wtforms_catalogue(locale: str) -> support.NullTranslations:
    """WTForms' message catalogue for one language (read-only, shared by every request)."""
    from wtforms.i18n import messages_path

    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class CheckedForm(FlaskForm):
    """A form whose fields carry cleaned values after validate(), and its errors one message per field."""

    class Meta:
        def wrap_formdata(self, form, formdata):
            """Text fields read the posted text only; an uploaded file counts only under a file field's name
            (Flask-WTF mixes both, so a file sent as `naam` would otherwise reach the text checks)."""
            data = super().wrap_formdata(form, formdata)
            if not isinstance(data, CombinedMultiDict):
                return data
            files = MultiDict(
                [
                    (name, upload)
                    for name, upload in request.files.items(multi=True)
                    if isinstance(form._fields.get(name), FileField)
                ]
            )
            return CombinedMultiDict((files, request.form))

        def get_translations(self, form):
            """WTForms' own messages in the page's language, as Flask-WTF gives them, but the catalogue read once
            per language (Flask-WTF reads it from disk on every request: a tenth of a registration's time)."""
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return wtforms_catalogue(str(get_locale()))

    def messages(self) -> dict:
        """Return {field name: first error message}, in the order of the fields."""
        return {name: problems[0] for name, problems in self.errors.items() if problems}

    def cleaned(self, *names: str) -> dict:
        """Return the cleaned values of the named fields (after validate())."""
        return {name: getattr(self[name], "cleaned", None) for name in names}


class GroupForm(CheckedForm):
    """A group's details and its area; `details` maps the fields onto a Group's attributes."""

    ATTRIBUTES = {
        "naam": "name",
        "beheerder_naam": "beheerder_name",
        "email": "beheerder_email",
        "mobiel": "beheerder_phone",
        "toelichting": "description",
    }
    area_required = True

    naam = StringField(validators=[required(N_("Vul de naam van de groep in."))])
    beheerder_naam = StringField(validators=[required(N_("Vul uw naam in."))])
    email = StringField(validators=[email()])
    mobiel = StringField(validators=[mobile(needed=False)])
    toelichting = TextAreaField(validators=[optional(500)])
    gebied_getekend = HiddenField(default="")
    buurten = SelectMultipleField(validate_choice=False, default=[])
    gebied_bestand = FileField()

    @classmethod
    def for_group(cls, group) -> GroupForm:
        """The form filled with the group's current details and its current area: the buurten it is made of
        ticked, the rest of it in the drawing layer, so that what is ticked and drawn is the proposed area."""
        data = {name: getattr(group, attribute) or "" for name, attribute in cls.ATTRIBUTES.items()}
        codes, rest = split_into_buurten(group.area, app_services.current().buurten)
        drawing = drawing_text(rest) if rest is not None else ""
        # An area too large to send back in one form field (an uploaded file of thousands of corners) is not
        # loaded: the field stays empty, which keeps the area as it is, instead of a refusal on every save.
        # Its buurten are not ticked either: ticked alone, they would propose the area without its drawn part.
        if len(drawing.encode()) > 0.8 * settings.current().MAX_FORM_MEMORY_SIZE:
            drawing, codes = "", []
        return cls(data={**data, "gebied_getekend": drawing, "buurten": codes})

    def gives_area(self) -> bool:
        """Whether the form brings an area: drawn, buurten picked, or a file uploaded."""
        upload = self.gebied_bestand.data
        return bool((self.gebied_getekend.data or "").strip() or self.chosen() or getattr(upload, "filename", ""))

    def chosen(self) -> list[str]:
        """The buurtcodes ticked."""
        return list(self.buurten.data or [])

    def check(self, exclude_group_id: int | None = None):
        """Validate every field and the area; return (errors by field, the checked area or None)."""
        self.validate()
        errors = self.messages()
        checked = None
        if self.area_required or self.gives_area():
            checked = checked_area_from_form(self, errors, exclude_group_id)
        return errors, checked

    def details(self) -> dict:
        """The cleaned details as Group attributes (an empty optional field becomes None)."""
        return {
            attribute: self[name].cleaned or None for name, attribute in self.ATTRIBUTES.items() if name in self._fields
        }


class RegistrationForm(GroupForm):
    """A beheerder registers a new group; the area is required; `actie` is 'controleren' to check only."""

    website = StringField()  # the honeypot: people leave it empty
    actie = HiddenField()


class GroupEditForm(GroupForm):
    """Staff edit a group: the details, and a new area only when one is given."""

    area_required = False
    beheerder_naam = StringField(validators=[required(N_("Vul de naam van de beheerder in."))])


class ChangeProposalForm(GroupForm):
    """The beheerder proposes a change once a year: no e-mail address here (a handover changes that)."""

    area_required = False
    email = None


class JoinForm(CheckedForm):
    """A resident asks to join a group."""

    naam = StringField(validators=[required(N_("Vul uw naam in."), 100)])
    mobiel = StringField(validators=[mobile()])
    email = StringField(validators=[email()])
    straat = StringField(validators=[optional(100)])
    huisnummer = StringField(validators=[optional(10)])
    bericht = TextAreaField(validators=[optional(1000)])
    website = StringField()  # the honeypot: people leave it empty

    def resident(self) -> dict:
        """The resident's cleaned details, by field name (as the e-mail templates use them)."""
        return self.cleaned("naam", "mobiel", "email", "straat", "huisnummer", "bericht")


class HandoverForm(CheckedForm):
    """The beheerder hands the group over to someone else."""

    nieuwe_naam = StringField(validators=[required(N_("Vul de naam van de nieuwe beheerder in."))])
    nieuw_email = StringField(validators=[email()])


class HandoverAcceptForm(CheckedForm):
    """The new beheerder takes the group over, and may give a mobile number (checked as at registration)."""

    mobiel = StringField(validators=[mobile(needed=False)])
