"""A staff member's own account under /beheer: changing one's password (with the second factor given recently)."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask_login import fresh_login_required

from geo_registry.core.text import _
from geo_registry.domain.passwords import policy
from geo_registry.domain.staff import authenticate, set_password
from geo_registry.web import services as app_services
from geo_registry.web import settings
from geo_registry.web.security import forget_hits, limit_per, limiter
from geo_registry.web.staff.second_factor import fresh_second_factor_required
from geo_registry.web.staff.sessions import renew_session
from geo_registry.web.staff.views import login_required

bp = Blueprint("account", __name__, url_prefix="/beheer")


def _page(error: str | None = None, status: int = 200):
    # This blueprint is not "staff", so the staff layout gets its navigation from here.
    minimum = settings.current().PASSWORD_MIN_LENGTH
    context = {"error": error, "staff": g.staff, "flash": None, "policy": policy(minimum), "minimum": minimum}
    return render_template("staff/password.html", **context), status


@bp.get("/wachtwoord")
@login_required
@fresh_login_required
@fresh_second_factor_required
def password():
    """The form to change one's own password."""
    return _page()


@bp.post("/wachtwoord")
@limiter.limit(limit_per(lambda s: s.LOGIN_LIMIT, "15 minutes"))  # guessing the current password is guessing a login
@login_required
@fresh_login_required
@fresh_second_factor_required
def password_post():
    """Change one's own password: every other session of this account ends, this one goes on."""
    engine = app_services.current().store.engine
    new = request.form.get("nieuw", "")
    try:
        if authenticate(engine, g.staff["username"], request.form.get("huidig", "")) is None:
            raise ValueError(_("Het huidige wachtwoord klopt niet."))
        if new != request.form.get("herhaal", ""):
            raise ValueError(_("De twee nieuwe wachtwoorden zijn niet hetzelfde."))
        minimum = settings.current().PASSWORD_MIN_LENGTH
        account = set_password(engine, g.staff["username"], new, g.staff["username"], min_length=minimum)
    except ValueError as error:
        return _page(str(error), 400)
    forget_hits()
    renew_session({**g.staff, "session_version": account["session_version"]})
    session["flash"] = _("Uw wachtwoord is gewijzigd. Op andere apparaten bent u nu uitgelogd.")
    return redirect(url_for("staff.index"))
