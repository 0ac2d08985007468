"""A resident asks to join a group: the request goes by e-mail to the beheerder, never the other way."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from .. import actions, services
from ..groups import ACTIVE
from ..security import client_key, limiter
from ..text import _
from ..validation import collect, email_address, mobile_number, optional_text, required_text
from .forms import first_error
from .mailing import deliver_later, mail_message

bp = Blueprint("join", __name__, url_prefix="/groep")
FIELDS = ("naam", "mobiel", "email", "straat", "huisnummer", "bericht")


def active_group(group_id: int):
    """Return the active group, or 404."""
    group = services.current().store.get(group_id)
    if group is None or group.status != ACTIVE:
        abort(404)
    return group


@bp.get("/<int:group_id>/aanmelden")
def form(group_id: int):
    """The join form for one group."""
    group = active_group(group_id)
    return render_template("join/form.html", group=group, form={f: "" for f in FIELDS}, errors={}, error=None)


@bp.post("/<int:group_id>/aanmelden")
def submit(group_id: int):
    """Send the request to the beheerder (reply-to: the resident) and confirm to the resident."""
    group = active_group(group_id)
    form = {name: request.form.get(name, "") for name in FIELDS}
    if request.form.get("website"):  # the honeypot: people leave it empty
        return redirect(url_for("join.sent", group_id=group_id))
    errors: dict = {}
    resident = {
        "naam": collect(errors, required_text, form["naam"], "naam", _("Vul uw naam in."), 100),
        "mobiel": collect(errors, mobile_number, form["mobiel"], "mobiel"),
        "email": collect(errors, email_address, form["email"], "email"),
        "straat": collect(errors, optional_text, form["straat"], "straat", 100),
        "huisnummer": collect(errors, optional_text, form["huisnummer"], "huisnummer", 10),
        "bericht": collect(errors, optional_text, form["bericht"], "bericht", 1000),
    }
    if errors:
        return render_template("join/form.html", group=group, form=form, errors=errors,
                               error=first_error(errors)), 400
    limiter(current_app, "join").hit(client_key())
    to_beheerder = mail_message("aanmelding-lid", group.beheerder_email, "join_request",
                                reply_to=resident["email"], lang=group.lang, group=group, resident=resident)
    to_resident = mail_message("aanmelding-bevestiging", resident["email"], "join_confirmation",
                               group=group, resident=resident)
    actions.send_messages(services.current().store.engine, [to_beheerder, to_resident])
    deliver_later()
    return redirect(url_for("join.sent", group_id=group_id))


@bp.get("/<int:group_id>/aanmelden/verstuurd")
def sent(group_id: int):
    """Tell the resident the beheerder has the request."""
    return render_template("join/sent.html", group=active_group(group_id))
