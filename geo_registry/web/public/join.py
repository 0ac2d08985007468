"""A resident asks to join a group: the request goes by e-mail to the beheerder, never the other way."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for

from geo_registry.core.text import _
from geo_registry.domain import actions
from geo_registry.domain.groups import GroupStatus
from geo_registry.domain.validation import CONTROL_RE
from geo_registry.web import services as app_services
from geo_registry.web.form_classes import JoinForm
from geo_registry.web.forms import first_error
from geo_registry.web.mailing import mail_message
from geo_registry.web.security import limit_per, limit_per_mailbox, limiter, path_group, when_carried_out

bp = Blueprint("join", __name__, url_prefix="/groep")


def active_group(group_id: int):
    """Return the active group, or 404."""
    group = app_services.current().store.get(group_id)
    if group is None or group.status != GroupStatus.ACTIVE:
        abort(404)
    return group


@bp.get("/<int:group_id>/aanmelden")
def form(group_id: int):
    """The join form for one group."""
    group = active_group(group_id)
    expand = request.args.get("uitbreiden") == "1"
    return render_template(
        "join/form.html",
        group=group,
        form=JoinForm(data=prefill(request.args, expand)),
        errors={},
        error=None,
        expand=expand,
    )


def prefill(args, expand: bool) -> dict:
    """The address the resident just looked up (from the answer's link), cut to the fields' lengths; when the
    address lies outside the group's area, a message asking the beheerder to grow the group to it."""
    # Control characters only come from a tampered link; the form would refuse them.
    straat = " ".join(CONTROL_RE.sub("", args.get("straat") or "").split())[:100]
    huisnummer = " ".join(CONTROL_RE.sub("", args.get("huisnummer") or "").split())[:10]
    data = {"straat": straat, "huisnummer": huisnummer}
    if expand:
        address = f"{straat} {huisnummer}".strip()
        data["bericht"] = (
            _(
                "Mijn adres valt buiten het gebied van de groep. Kan de groep uitbreiden naar %(address)s?",
                address=address,
            )
            if address
            else _("Mijn adres valt buiten het gebied van de groep. Kan de groep uitbreiden naar mijn adres?")
        )
    return data


@bp.post("/<int:group_id>/aanmelden")
@limiter.limit(limit_per(lambda s: s.JOIN_LIMIT, "1 hour"), deduct_when=when_carried_out)
# Limited per group and per resident's address too: many clients together must not flood a beheerder, nor mail
# a stranger the confirmation again and again.
@limiter.limit(limit_per(lambda s: s.JOIN_GROUP_LIMIT, "1 hour"), key_func=path_group, deduct_when=when_carried_out)
@limit_per_mailbox(lambda s: s.JOIN_LIMIT)
def submit(group_id: int):
    """Send the request to the beheerder (reply-to: the resident) and confirm to the resident."""
    group = active_group(group_id)
    form = JoinForm()
    if form.website.data:  # the honeypot: people leave it empty
        return redirect(url_for("join.sent", group_id=group_id))
    if not form.validate():
        errors = form.messages()
        return render_template("join/form.html", group=group, form=form, errors=errors, error=first_error(errors)), 400
    resident = form.resident()
    to_beheerder = mail_message(
        "aanmelding-lid",
        group.beheerder_email,
        "join_request",
        reply_to=resident["email"],
        lang=group.lang,
        group=group,
        resident=resident,
    )
    to_resident = mail_message(
        "aanmelding-bevestiging", resident["email"], "join_confirmation", group=group, resident=resident
    )
    actions.send_messages(app_services.current().store.engine, [to_beheerder, to_resident])
    return redirect(url_for("join.sent", group_id=group_id))


@bp.get("/<int:group_id>/aanmelden/verstuurd")
def sent(group_id: int):
    """Tell the resident the beheerder has the request."""
    group = active_group(group_id)
    # The group's own municipality answers when nobody does (the footer keeps the general contact).
    return render_template("join/sent.html", group=group, voice=app_services.voice(area=group.area))
