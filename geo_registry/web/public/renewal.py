"""The beheerder's page behind their personal link: confirm the group, propose a change, or hand it over; and the
new beheerder's side of a handover."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, render_template, request

from geo_registry.core.text import _
from geo_registry.domain import renewal
from geo_registry.domain.actions import ActionRefused, send_messages
from geo_registry.domain.groups import GroupStatus
from geo_registry.domain.tokens import LinkInvalid, make_sealed_token, read_sealed_token
from geo_registry.web import services as app_services
from geo_registry.web import settings
from geo_registry.web.form_classes import ChangeProposalForm, HandoverAcceptForm, HandoverForm
from geo_registry.web.forms import area_changed, first_error
from geo_registry.web.i18n import current_language
from geo_registry.web.mailing import mail_message, speaker
from geo_registry.web.maps import draw_map
from geo_registry.web.public.beheerder_link import (
    beheerder_key,
    is_beheerders,
    personal_link,
    personal_token,
    read_personal_link,
    valid_until,
)
from geo_registry.web.security import limit_per, limiter
from geo_registry.web.urls import external_url

bp = Blueprint("renewal", __name__, url_prefix="/beheerder")
HANDOVER = "handover"


def renewal_message(group):
    """The yearly e-mail to a beheerder, with their personal link."""
    return mail_message(
        "jaarlijkse-bevestiging",
        group.beheerder_email,
        "renewal",
        lang=group.lang,
        group=group,
        link=personal_link(group),
        until=valid_until(),
    )


def _group(token: str):
    return read_personal_link(token)[0]


def _page(token: str, form=None, errors=None, status=200):
    """The beheerder's page: the three choices, a change awaiting review, and how long the link works."""
    group, until = read_personal_link(token)
    errors = errors or {}
    waiting = renewal.pending_changes(app_services.current().store, group.id)
    return render_template(
        "renewal/start.html",
        group=group,
        token=token,
        errors=errors,
        form=form or HandoverForm(),
        error=first_error(errors) if errors else None,
        until=until,
        waiting=waiting[-1] if waiting else None,
    ), status


@bp.get("/<token>")
def start(token: str):
    """The beheerder's page: still active, change, hand over."""
    return _page(token)


@bp.post("/<token>/bevestigen")
def confirm(token: str):
    """The group is still active."""
    group = _group(token)
    renewal.confirm_active(app_services.current().store, group.id)
    return render_template("renewal/done.html", group=group, what="bevestigd", token=token)


def _change_form(group, form: ChangeProposalForm, errors, status=200, checked=None):
    snapshot = app_services.current().registry.snapshot()
    return render_template(
        "renewal/change.html",
        group=group,
        token=(request.view_args or {})["token"],
        form=form,
        errors=errors,
        checked=checked,
        error=first_error(errors) if errors else None,
        buurten=snapshot.buurten,
        chosen=set(form.chosen()),
        map=draw_map(snapshot, settings.current(), current_language(), "gebied_getekend"),
    ), status


@bp.get("/<token>/wijzigen")
def change(token: str):
    """The change form, filled with the group's current details."""
    group = _group(token)
    return _change_form(group, ChangeProposalForm.for_group(group), {})


@bp.post("/<token>/wijzigen")
def change_post(token: str):
    """Store the proposed change for review by staff."""
    group = _group(token)
    form = ChangeProposalForm()
    errors, checked = form.check(exclude_group_id=group.id)
    if errors:
        return _change_form(group, form, errors, 400)
    changes = {k: v for k, v in form.details().items() if getattr(group, k) != v}
    if area_changed(checked, group.area):
        changes["area"] = checked.geometry
    if changes:
        renewal.propose_change(app_services.current().store, group.id, changes)
    else:
        renewal.confirm_active(app_services.current().store, group.id)
    return render_template(
        "renewal/done.html", group=group, what="voorgesteld" if changes else "bevestigd", token=token
    )


def _handover_sent(response) -> bool:
    """Count a handover against its limits only when its e-mail was queued (not a form returned with errors)."""
    return response.status_code == 200


def _personal_link() -> str:
    """The limiter's key for one personal link: its signed part (the group and the time it was issued), which
    no variant of the link changes (the signature after it reads the same with another last letter or with '='
    padding added, so a key taken from the signature gave one leaked link 129 limits)."""
    return "handover-link:" + (request.view_args or {})["token"].rpartition(".")[0]


# Each handover mails an address the sender chose: limited per client, and per personal link, so that neither
# one visitor nor one leaked link can turn the form into a way to send mail to strangers.
@bp.post("/<token>/overdragen")
@limiter.limit(limit_per(lambda s: s.HANDOVER_LIMIT, "1 hour"), deduct_when=_handover_sent)
@limiter.limit(limit_per(lambda s: s.HANDOVER_LIMIT, "1 hour"), deduct_when=_handover_sent, key_func=_personal_link)
def hand_over(token: str):
    """Send the new beheerder a link to confirm their own address."""
    group = _group(token)
    form = HandoverForm()
    if form.validate() and is_beheerders(group, _key_of(form.nieuw_email.cleaned)):
        form.nieuw_email.errors = [
            _("Dit is het e-mailadres van de huidige beheerder. Vul het adres van de nieuwe beheerder in.")
        ]
    if form.messages():
        return _page(token, form, form.messages(), 400)
    name, email = form.nieuwe_naam.cleaned, form.nieuw_email.cleaned
    # Sealed, not only signed: the link carries the new beheerder's name and address. It names the current
    # beheerder: once anyone has taken the group over, every other handover link of it is used.
    handover_token = make_sealed_token(
        settings.current().SECRET_KEY, HANDOVER, {"g": group.id, "n": name, "e": email, "b": beheerder_key(group)}
    )
    message = mail_message(
        "overdracht",
        email,
        "handover",
        group=group,
        name=name,
        link=external_url("renewal.accept", token=handover_token),
        hours=settings.current().CONFIRM_MAX_AGE_HOURS,
    )
    send_messages(app_services.current().store.engine, [message])
    return render_template("renewal/done.html", group=group, what="overdracht", name=name, token=token)


def _key_of(email: str) -> str:
    """The digest of an address, as a personal link carries it."""
    return beheerder_key(SimpleNamespace(beheerder_email=email))


def _handover(token: str):
    payload = read_sealed_token(
        settings.current().SECRET_KEY, HANDOVER, token, settings.current().CONFIRM_MAX_AGE_HOURS * 3600
    )
    group = app_services.current().store.get(int(payload["g"]))
    if group is None or group.status != GroupStatus.ACTIVE:
        current = False
    elif "b" in payload:
        current = is_beheerders(group, payload["b"])
    else:  # a link mailed before handover links named the beheerder (it names the last confirmation)
        current = renewal.link_is_current(group, payload.get("c"))
    if group is None or not current:
        raise LinkInvalid(_("Deze link is al gebruikt of hoort niet meer bij deze groep."))
    return group, payload


def _accept_page(token: str, group, payload, form, errors=None, status=200):
    errors = errors or {}
    return render_template(
        "renewal/accept.html",
        group=group,
        name=payload["n"],
        token=token,
        form=form,
        errors=errors,
        error=first_error(errors) if errors else None,
    ), status


@bp.get("/overdracht/<token>")
def accept(token: str):
    """The new beheerder sees what they take over, gives a mobile number if they like, and confirms."""
    group, payload = _handover(token)
    return _accept_page(token, group, payload, HandoverAcceptForm())


@bp.post("/overdracht/<token>")
def accept_post(token: str):
    """The new beheerder confirmed their address: the group is theirs; the old beheerder, staff and the new
    beheerder are told, the new one with their own personal link."""
    group, payload = _handover(token)
    form = HandoverAcceptForm()
    if not form.validate():
        return _accept_page(token, group, payload, form, form.messages(), 400)
    new = {"name": payload["n"], "email": payload["e"], "phone": form.mobiel.cleaned or None}
    try:
        renewal.hand_over(
            app_services.current().store,
            group.id,
            new,
            current_language(),
            messages=handover_messages,
            from_email=group.beheerder_email,  # the beheerder the link was checked against
        )
    except ActionRefused as refusal:
        raise LinkInvalid(str(refusal)) from None
    taken = app_services.current().store.get(group.id)
    return render_template(
        "renewal/done.html", group=taken, what="overgenomen", name=payload["n"], token=personal_token(taken)
    )


def handover_messages(before, after) -> list:
    """The e-mails of a handover: the old beheerder, the municipality, and the new beheerder with their link."""
    poster = external_url("poster.show", group_id=after.id)
    common = {"before": before, "after": after, "group": after}
    return [
        mail_message("overdracht-oud", before.beheerder_email, "handover_done_old", lang=before.lang, **common),
        # To the policy officers of the group's own municipality (CONTACT_EMAIL_<code>), as its other mail speaks.
        mail_message("overdracht-gemeente", speaker(common).contact_email, "handover_done_staff", lang="nl", **common),
        mail_message(
            "overdracht-nieuw",
            after.beheerder_email,
            "handover_done_new",
            lang=after.lang,
            link=personal_link(after),
            until=valid_until(),
            poster_link=poster,
            **common,
        ),
    ]
