"""The beheerder's yearly link: confirm the group, propose a change, or hand it over."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from geo_registry.core.text import _
from geo_registry.domain import renewal
from geo_registry.domain.actions import ActionRefused, send_messages
from geo_registry.domain.groups import GroupStatus
from geo_registry.domain.tokens import LinkInvalid, make_sealed_token, make_token, read_sealed_token, read_token
from geo_registry.web import services as app_services
from geo_registry.web import settings
from geo_registry.web.form_classes import ChangeProposalForm, HandoverForm
from geo_registry.web.forms import area_changed, first_error
from geo_registry.web.i18n import current_language
from geo_registry.web.mailing import mail_message
from geo_registry.web.maps import draw_map
from geo_registry.web.security import limit_per, limiter
from geo_registry.web.urls import external_url

bp = Blueprint("renewal", __name__, url_prefix="/beheerder")
RENEW, HANDOVER = "renewal", "handover"


def renewal_link(group) -> str:
    """The personal link in the yearly e-mail; it stops working once it has been used."""
    token = make_token(settings.current().SECRET_KEY, RENEW, {"g": group.id, "c": renewal.link_stamp(group)})
    return external_url("renewal.start", token=token)


def renewal_message(group):
    """The yearly e-mail to a beheerder."""
    return mail_message(
        "jaarlijkse-bevestiging",
        group.beheerder_email,
        "renewal",
        lang=group.lang,
        group=group,
        link=renewal_link(group),
        days=settings.current().RENEWAL_LINK_DAYS,
    )


def _group(token: str):
    payload = read_token(settings.current().SECRET_KEY, RENEW, token, settings.current().RENEWAL_LINK_DAYS * 86400)
    group = app_services.current().store.get(int(payload["g"]))
    if group is None or group.status != GroupStatus.ACTIVE:
        raise LinkInvalid(_("Deze groep staat niet (meer) actief in het register."))
    if not renewal.link_is_current(group, payload["c"]):
        raise LinkInvalid(_("Deze link is al gebruikt. U krijgt volgend jaar een nieuwe."))
    return group


@bp.get("/<token>")
def start(token: str):
    """The three choices: still active, change, hand over."""
    return render_template("renewal/start.html", group=_group(token), token=token, errors={}, form=HandoverForm())


@bp.post("/<token>/bevestigen")
def confirm(token: str):
    """The group is still active."""
    group = _group(token)
    renewal.confirm_active(app_services.current().store, group.id)
    return render_template("renewal/done.html", group=group, what="bevestigd")


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
    return render_template("renewal/done.html", group=group, what="voorgesteld" if changes else "bevestigd")


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
    if not form.validate():
        errors = form.messages()
        return render_template(
            "renewal/start.html", group=group, token=token, errors=errors, form=form, error=first_error(errors)
        ), 400
    name, email = form.nieuwe_naam.cleaned, form.nieuw_email.cleaned
    # Sealed, not only signed: the link carries the new beheerder's name and address.
    handover_token = make_sealed_token(
        settings.current().SECRET_KEY,
        HANDOVER,
        {"g": group.id, "n": name, "e": email, "c": renewal.link_stamp(group)},
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
    return render_template("renewal/done.html", group=group, what="overdracht", name=name)


def _handover(token: str):
    payload = read_sealed_token(
        settings.current().SECRET_KEY, HANDOVER, token, settings.current().CONFIRM_MAX_AGE_HOURS * 3600
    )
    group = app_services.current().store.get(int(payload["g"]))
    if group is None or group.status != GroupStatus.ACTIVE or not renewal.link_is_current(group, payload["c"]):
        raise LinkInvalid(_("Deze link is al gebruikt of hoort niet meer bij deze groep."))
    return group, payload


@bp.get("/overdracht/<token>")
def accept(token: str):
    """The new beheerder sees what they take over, and confirms."""
    group, payload = _handover(token)
    return render_template("renewal/accept.html", group=group, name=payload["n"], token=token)


@bp.post("/overdracht/<token>")
def accept_post(token: str):
    """The new beheerder confirmed their address: the group is theirs."""
    group, payload = _handover(token)
    try:
        renewal.hand_over(app_services.current().store, group.id, payload["n"], payload["e"], current_language())
    except ActionRefused as refusal:
        raise LinkInvalid(str(refusal)) from None
    return render_template("renewal/done.html", group=group, what="overgenomen", name=payload["n"])
