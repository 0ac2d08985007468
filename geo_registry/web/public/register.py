"""A beheerder registers a new group; the e-mail address is confirmed by a signed link."""

from __future__ import annotations

import hmac
import math
import time

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import ngettext
from flask_limiter import RateLimitExceeded

from geo_registry.core.text import _
from geo_registry.domain import actions
from geo_registry.domain.groups import Group
from geo_registry.domain.tokens import LinkInvalid, fingerprint, make_token, read_token
from geo_registry.web import services as app_services
from geo_registry.web import settings
from geo_registry.web.form_classes import RegistrationForm
from geo_registry.web.forms import drawn_after_check, first_error
from geo_registry.web.i18n import current_language
from geo_registry.web.mailing import mail_message
from geo_registry.web.maps import draw_map
from geo_registry.web.security import MAILBOX_LIMITED, limit_per, limit_per_mailbox, limiter, when_carried_out
from geo_registry.web.staff.policy import registering_officer
from geo_registry.web.urls import external_url

bp = Blueprint("register", __name__, url_prefix="/groep-aanmelden")
PURPOSE = "confirm-email"


def render_form(form: RegistrationForm, errors: dict, checked=None, status: int = 200, limited: str = ""):
    """Render the registration form, keeping what was typed and drawn; limited: why it was not sent yet."""
    snapshot = app_services.current().registry.snapshot()
    parts = draw_map(snapshot, settings.current(), current_language(), "gebied_getekend")
    return render_template(
        "register/form.html",
        form=form,
        errors=errors,
        checked=checked,
        chosen=set(form.chosen()),
        buurten=snapshot.buurten,
        map=parts,
        error=first_error(errors) if errors else None,
        limited=limited,
        on_behalf=registering_officer(),
    ), status


@bp.get("/")
def form():
    """The registration form; `?buurt=<code>` (once or more, from the lookup answer) ticks those buurten."""
    known = {buurt.code for buurt in app_services.current().buurten}
    # Unknown codes in the link are left out rather than refused: the form opens, nothing ticked that isn't real.
    codes = [code for code in dict.fromkeys(request.args.getlist("buurt")) if code in known]
    return render_form(RegistrationForm(data={"buurten": codes}), {})


def checking_only() -> bool:
    """'Gebied controleren' stores nothing, so it is never refused for the rate limit; nor is a beheerder
    registered by a signed-in beleidsmedewerker (a counter helping several residents from one connection)."""
    return request.form.get("actie") == "controleren" or registering_officer() is not None


@bp.errorhandler(RateLimitExceeded)
def over_limit(error: RateLimitExceeded):
    """Over a limit: the form again with everything typed kept, and how long to wait, from the limiter's own
    reset time (a moving window: when the oldest registration counted leaves it)."""
    breached = next((hit for hit in limiter.current_limits if hit.breached), None)
    seconds = max(1, math.ceil(breached.window[0] - time.time())) if breached else 3600
    if error.limit.error_message:  # the daily limit per e-mail address
        message = _(MAILBOX_LIMITED)
    else:
        minutes = math.ceil(seconds / 60)
        message = ngettext(
            "Vanaf deze verbinding zijn het afgelopen uur al veel groepen aangemeld. Over %(num)d minuut kunt u "
            "deze aanmelding versturen; wat u hebt ingevuld, staat hieronder nog.",
            "Vanaf deze verbinding zijn het afgelopen uur al veel groepen aangemeld. Over %(num)d minuten kunt u "
            "deze aanmelding versturen; wat u hebt ingevuld, staat hieronder nog.",
            minutes,
        )
    page, status = render_form(RegistrationForm(), {}, status=429, limited=message)
    return page, status, {"Retry-After": str(seconds)}


@bp.post("/")
@limiter.limit(limit_per(lambda s: s.REGISTER_LIMIT, "1 hour"), deduct_when=when_carried_out, exempt_when=checking_only)
# The confirmation goes to the address typed: limited per address too, or many clients could flood a stranger.
@limit_per_mailbox(lambda s: s.REGISTER_LIMIT, exempt_when=checking_only)
def submit():
    """Check the registration; on 'Aanmelden' store it and send the confirmation link."""
    form = RegistrationForm()
    if form.website.data:  # the honeypot: people leave it empty
        return redirect(url_for("register.sent"))
    errors, checked = form.check()
    if checked is not None:
        form.gebied_getekend.data = drawn_after_check(form)
    if errors or form.actie.data == "controleren":
        return render_form(form, errors, checked, 400 if errors else 200)
    group = Group(id=None, area=checked.geometry, lang=current_language(), **form.details())

    def confirmation(group_id: int):
        """The e-mail with the signed confirmation link for the new registration."""
        secret = settings.current().SECRET_KEY
        token = make_token(secret, PURPOSE, {"g": group_id, "e": fingerprint(secret, group.beheerder_email)})
        return mail_message(
            "bevestiging-beheerder",
            group.beheerder_email,
            "confirm_registration",
            group=group,
            link=external_url("register.confirm", token=token),
            hours=settings.current().CONFIRM_MAX_AGE_HOURS,
        )

    actions.register(app_services.current().store, group, confirmation, on_behalf_by=registering_officer())
    session["registration"] = {
        "name": group.name,
        "notes": checked.notes,
        "overlaps": [(o.group_name, round(o.m2), round(o.share_of_new * 100)) for o in checked.overlaps],
    }
    return redirect(url_for("register.sent"))


@bp.get("/verstuurd")
def sent():
    """Tell the beheerder to open the confirmation e-mail."""
    return render_template("register/sent.html", summary=session.pop("registration", None))


def _group_for(token: str):
    payload = read_token(settings.current().SECRET_KEY, PURPOSE, token, settings.current().CONFIRM_MAX_AGE_HOURS * 3600)
    group = app_services.current().store.get(int(payload["g"]))
    if group is None or not _belongs_to(str(payload.get("e", "")), group.beheerder_email):
        raise LinkInvalid(_("Deze link hoort niet (meer) bij een aanmelding."))
    return group


def _belongs_to(carried: str, email: str) -> bool:
    """Whether a link's address fingerprint is that of email (links mailed before fingerprints: the address)."""
    return hmac.compare_digest(carried, fingerprint(settings.current().SECRET_KEY, email)) or carried == email


@bp.get("/bevestigen/<token>")
def confirm(token: str):
    """Show the confirmation button (a link alone changes nothing: mail scanners follow links)."""
    return render_template("register/confirm.html", group=_group_for(token), token=token)


@bp.post("/bevestigen/<token>")
def confirm_post(token: str):
    """Confirm the e-mail address: the registration now waits for review by staff."""
    group = actions.confirm_email(app_services.current().store, _group_for(token).id)
    if group is None:  # deleted by staff between the link's check and the confirmation
        raise LinkInvalid(_("Deze link hoort niet (meer) bij een aanmelding."))
    return render_template("register/confirmed.html", group=group)
