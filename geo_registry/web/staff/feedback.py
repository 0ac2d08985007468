"""What a staff member reads after each action (issue 9 #12): what happened, and who was e-mailed. Staff are
logged in, so the beheerder's name and e-mail address may be shown here (never on a public page)."""

from __future__ import annotations

from flask_babel import ngettext

from geo_registry.core.text import N_, _

# The edit form's fields as the message names them, in the form's order.
FIELD_NAMES = {
    "name": N_("naam"),
    "beheerder_name": N_("naam beheerder"),
    "beheerder_email": N_("e-mailadres beheerder"),
    "beheerder_phone": N_("mobiel nummer"),
    "description": N_("toelichting"),
    "area": N_("gebied"),
}
NOBODY_MAILED = N_("Niemand heeft hierover een e-mail gekregen.")
SHOWN_RECIPIENTS = 5  # the rest is counted: the message lives in the session cookie


def _who(group) -> dict:
    """The group's and its beheerder's names and address, for the messages' placeholders."""
    return {"name": group.name, "beheerder": group.beheerder_name, "email": group.beheerder_email}


def reviewed(group, approved: bool) -> str:
    """After approving or rejecting a registration: the beheerder gets an e-mail either way."""
    if approved:
        return _(
            "Groep ‘%(name)s’ is goedgekeurd en staat nu op de kaart. De beheerder, %(beheerder)s "
            "(%(email)s), krijgt hierover een e-mail.",
            **_who(group),
        )
    return _(
        "Groep ‘%(name)s’ is afgewezen. De beheerder, %(beheerder)s (%(email)s), krijgt een e-mail met de reden.",
        **_who(group),
    )


def activity(group, active: bool) -> str:
    """After (re)activating a group: nobody is e-mailed."""
    if active:
        return _("Groep ‘%(name)s’ is weer actief en staat weer op de kaart.", **_who(group)) + " " + _(NOBODY_MAILED)
    return _(
        "Groep ‘%(name)s’ is gedeactiveerd en staat niet meer op de kaart. Niemand heeft hierover een "
        "e-mail gekregen; laat het de beheerder, %(beheerder)s (%(email)s), zelf weten als dat nodig is.",
        **_who(group),
    )


def deleted(group) -> str:
    """After deleting a group: nobody is e-mailed."""
    return _(
        "Groep ‘%(name)s’ is verwijderd uit het register. Niemand heeft hierover een e-mail gekregen; laat "
        "het de beheerder, %(beheerder)s (%(email)s), zelf weten als dat nodig is.",
        **_who(group),
    )


def edited(name: str, fields: list[str], notes: list[str]) -> str:
    """After saving the edit form: which fields changed (or that nothing did); nobody is e-mailed."""
    if not fields:
        return (
            _("Er was niets veranderd aan ‘%(name)s’, dus er is niets opgeslagen.", name=name) + " " + _(NOBODY_MAILED)
        )
    in_form_order = [field for field in FIELD_NAMES if field in fields] + [f for f in fields if f not in FIELD_NAMES]
    changed = ", ".join(_(FIELD_NAMES.get(field, field)) for field in in_form_order)
    return " ".join(
        [
            _("De wijzigingen aan ‘%(name)s’ zijn opgeslagen: %(fields)s.", name=name, fields=changed),
            *notes,
            _(NOBODY_MAILED),
        ]
    )


def reminded(group) -> str:
    """After sending the yearly confirmation request now."""
    return _(
        "Het bevestigingsverzoek voor ‘%(name)s’ is onderweg naar de beheerder, %(beheerder)s (%(email)s).",
        **_who(group),
    )


def change_reviewed(group, approved: bool) -> str:
    """After applying or refusing a change the beheerder proposed: the beheerder gets an e-mail either way."""
    if approved:
        return _(
            "De voorgestelde wijziging van ‘%(name)s’ is doorgevoerd. De beheerder, %(beheerder)s "
            "(%(email)s), krijgt hierover een e-mail.",
            **_who(group),
        )
    return _(
        "De voorgestelde wijziging van ‘%(name)s’ is afgewezen. De beheerder, %(beheerder)s (%(email)s), "
        "krijgt hierover een e-mail.",
        **_who(group),
    )


def retried(recipients: list[str]) -> str:
    """After asking to send the waiting e-mail again: how many, and to whom."""
    if not recipients:
        return _("Er wachtte geen e-mail; er is niets opnieuw verstuurd.")
    unique = list(dict.fromkeys(recipients))
    shown = ", ".join(unique[:SHOWN_RECIPIENTS])
    if len(unique) > SHOWN_RECIPIENTS:
        shown += " " + ngettext("en %(num)d ander adres", "en %(num)d andere adressen", len(unique) - SHOWN_RECIPIENTS)
    return (
        ngettext(
            "%(num)d e-mail wordt opnieuw verstuurd, aan %(to)s.",
            "%(num)d e-mails worden opnieuw verstuurd, aan %(to)s.",
            len(recipients),
            to=shown,
        )
        + " "
        + _("Laad deze pagina over een moment opnieuw om te zien wat nog wacht.")
    )
