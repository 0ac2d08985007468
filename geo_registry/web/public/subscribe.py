"""'Tell me when a group starts here': a resident without a group leaves an e-mail address, confirms it by a
signed link, and gets one e-mail with the join link when a group covering the address is approved."""

from __future__ import annotations

import hmac

from flask import Blueprint, redirect, render_template, url_for
from wtforms import HiddenField, StringField

from geo_registry.core.text import _
from geo_registry.domain import subscriptions
from geo_registry.domain.actions import send_messages
from geo_registry.domain.tokens import LinkInvalid, fingerprint, make_token, read_token
from geo_registry.web import services as app_services
from geo_registry.web import settings
from geo_registry.web.form_classes import CheckedForm, email
from geo_registry.web.forms import first_error
from geo_registry.web.i18n import current_language
from geo_registry.web.mailing import mail_message
from geo_registry.web.security import limit_per, limit_per_mailbox, limiter, when_carried_out
from geo_registry.web.urls import external_url

bp = Blueprint("subscribe", __name__, url_prefix="/wachtlijst")
PLACE, CONFIRM, WITHDRAW = "waiting-place", "waiting-confirm", "waiting-withdraw"
# The offer in an answer stays usable as long as a form does (CSRF_TIME_LIMIT); the place is signed, so that
# nobody can put another point, or words of their own, into a mail to someone else.
PLACE_MAX_AGE = 8 * 3600


class SubscribeForm(CheckedForm):
    """A resident asks to be told when a group starts at the place of the answer."""

    email = StringField(validators=[email()])
    plek = HiddenField()
    website = StringField()  # the honeypot: people leave it empty


def _secret() -> str:
    return settings.current().SECRET_KEY


@bp.app_template_global()
def waiting_place(answer) -> str:
    """The signed place of a lookup answer (its point, and the address as the resident read it) for the offer."""
    text = answer.address.weergavenaam if answer.address else None
    return make_token(_secret(), PLACE, {"lat": answer.point.lat, "lon": answer.point.lon, "a": text})


def _place(token: str | None) -> dict:
    payload = read_token(_secret(), PLACE, token or "", PLACE_MAX_AGE)
    if not isinstance(payload, dict) or not {"lat", "lon", "a"} <= set(payload):
        raise LinkInvalid()
    return payload


def _place_or_refusal(token: str | None) -> dict:
    """The signed place, or a clear 400 that says to look the address up again."""
    try:
        return _place(token)
    except LinkInvalid:
        raise LinkInvalid(
            _("Dit formulier is verlopen of niet compleet. Zoek uw adres opnieuw op en probeer het nog eens.")
        ) from None


def place_label(place: dict) -> str:
    """The address, or the map point, as the resident chose it."""
    return place["a"] or _("het gekozen punt op de kaart (%(lat).5f, %(lon).5f)", lat=place["lat"], lon=place["lon"])


@bp.post("/")
@limiter.limit(limit_per(lambda s: s.JOIN_LIMIT, "1 hour"), deduct_when=when_carried_out)
# Each request mails the address typed: limited per address too, or many clients could flood a stranger.
@limit_per_mailbox(lambda s: s.JOIN_LIMIT)
def submit():
    """Store the request (unconfirmed) and mail the confirmation link; nothing else is sent until confirmed."""
    form = SubscribeForm()
    if form.website.data:  # the honeypot: people leave it empty
        return redirect(url_for("subscribe.sent"))
    place = _place_or_refusal(form.plek.data)
    if app_services.current().registry.snapshot().answer(place["lat"], place["lon"]).groups:
        # A group started here since the lookup: show it instead of a waiting list.
        return redirect(url_for("public.home", lat=place["lat"], lon=place["lon"], _anchor="antwoord"))
    if not form.validate():
        errors = form.messages()
        return render_template(
            "subscribe/form.html", form=form, errors=errors, error=first_error(errors), place=place_label(place)
        ), 400
    address = form.email.cleaned
    waiting, _new = subscriptions.add(
        app_services.current().store.engine, address, place["lat"], place["lon"], place["a"], current_language()
    )
    if waiting.confirmed_at is None:  # asked again before confirming: the link again (the first may be lost)
        # The links carry a keyed fingerprint of the address, not the address (whoever sees a link learns nothing).
        carried = {"w": waiting.id, "e": fingerprint(_secret(), waiting.email)}
        token, withdraw = make_token(_secret(), CONFIRM, carried), make_token(_secret(), WITHDRAW, carried)
        message = mail_message(
            "wachtlijst-bevestiging",
            waiting.email,
            "waiting_confirm",
            lang=waiting.lang,
            waiting=waiting,
            link=external_url("subscribe.confirm", token=token),
            withdraw_link=external_url("subscribe.withdraw", token=withdraw),
            days=subscriptions.UNCONFIRMED_DAYS,
        )
        send_messages(app_services.current().store.engine, [message])
    return redirect(url_for("subscribe.sent"))


@bp.get("/verstuurd")
def sent():
    """Tell the resident to open the confirmation e-mail."""
    return render_template("subscribe/sent.html", days=subscriptions.UNCONFIRMED_DAYS)


def _waiting(token: str, purpose: str = CONFIRM):
    days = subscriptions.UNCONFIRMED_DAYS if purpose == CONFIRM else subscriptions.UNFULFILLED_DAYS + 1
    payload = read_token(_secret(), purpose, token, days * 86400)
    waiting = subscriptions.get(app_services.current().store.engine, int(payload["w"]))
    if waiting is None or not hmac.compare_digest(str(payload.get("e", "")), fingerprint(_secret(), waiting.email)):
        raise LinkInvalid(
            _(
                "Deze link hoort niet (meer) bij een verzoek. Misschien is er intussen een groep"
                " gestart, of is het verzoek verlopen. Zoek uw adres opnieuw op."
            )
        )
    return waiting


@bp.get("/bevestigen/<token>")
def confirm(token: str):
    """Show the confirmation button (a link alone changes nothing: mail scanners follow links)."""
    waiting = _waiting(token)
    return render_template("subscribe/confirm.html", token=token, place=_stored_label(waiting))


@bp.post("/bevestigen/<token>")
def confirm_post(token: str):
    """Confirm the address: from now on the resident waits for a group covering the point."""
    waiting = subscriptions.confirm(app_services.current().store.engine, _waiting(token).id)
    return render_template("subscribe/confirmed.html", place=_stored_label(waiting))


@bp.get("/afmelden/<token>")
def withdraw(token: str):
    """Ask before taking the resident off the list (a link alone changes nothing: mail scanners follow links)."""
    return render_template("subscribe/withdraw.html", token=token, place=_stored_label(_waiting(token, WITHDRAW)))


@bp.post("/afmelden/<token>")
def withdraw_post(token: str):
    """Take the resident off the list: the e-mail address and address are deleted at once."""
    waiting = _waiting(token, WITHDRAW)
    subscriptions.withdraw(app_services.current().store.engine, waiting.id)
    return render_template("subscribe/withdrawn.html", place=_stored_label(waiting))


def _stored_label(waiting) -> str:
    return place_label({"a": waiting.address_text, "lat": waiting.lat, "lon": waiting.lon})


def started_notice(waiting, group):
    """The one e-mail to a waiting resident: a group now covers the address; how to join (never who runs it)."""
    return mail_message(
        "wachtlijst-groep",
        waiting.email,
        "waiting_started",
        lang=waiting.lang,
        group_name=group.name,
        group=group,  # whom the message speaks for: the group's municipality
        waiting=waiting,
        link=external_url("join.form", group_id=group.id),
    )
