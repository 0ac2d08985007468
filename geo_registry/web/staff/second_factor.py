"""The second factor of a local staff account under /beheer: enrolment at the first login (a QR code the app
makes, the secret as text, a code to confirm, then the recovery codes once), the code at every login, and the
code again before a sensitive change (fresh_second_factor_required)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import wraps

import segno
from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from markupsafe import Markup

from geo_registry.core.text import _
from geo_registry.domain import login_backoff, second_factor
from geo_registry.domain.roles import roles_of
from geo_registry.web import services as app_services
from geo_registry.web import settings
from geo_registry.web.redirects import local_target_under
from geo_registry.web.security import limit_per, limiter
from geo_registry.web.staff import oidc, policy
from geo_registry.web.staff.backoff import backoff_message, record_failure, seconds_to_wait
from geo_registry.web.staff.sessions import (
    SECOND_FACTOR,
    pending_staff,
    pending_target,
    second_factor_is_fresh,
    start_session,
)
from geo_registry.web.staff.views import login_required

bp = Blueprint("second_factor", __name__, url_prefix="/beheer")

LOGIN_LIMIT = limit_per(lambda s: s.LOGIN_LIMIT, "15 minutes")


def fresh_second_factor_required(view=None, *, form=None):
    """For a sensitive change (a password, roles, municipalities, someone's second factor): the code must have
    been given in the last SECOND_FACTOR_FRESH_MINUTES, else the page asks for it first and comes back. Put it
    under login_required. form(**view_kwargs) gives the page of a POST-only route's form, where the staff member
    returns (a GET of the POST's own address would be refused); without it the POST's own path."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            """Run the view only with a recent second factor."""
            if second_factor_is_fresh():
                return view(*args, **kwargs)
            if request.method == "GET":
                back = request.full_path.rstrip("?")
            else:
                back = form(**kwargs) if form is not None else request.path
            return redirect(url_for("second_factor.recheck", next=back))

        return wrapped

    return decorate(view) if view is not None else decorate


def _engine():
    return app_services.current().store.engine


def _key() -> str:
    """The app's secret key, from which the key of the stored TOTP secrets is derived."""
    return str(current_app.secret_key)


def _now() -> datetime:
    return datetime.now(UTC)


def _page(template: str, status: int = 200, **context):
    # Not the "staff" blueprint: the layout's navigation and message come from here.
    return render_template(template, staff=getattr(g, "staff", None), flash=None, **context), status


def _done_target(staff: dict) -> str:
    """Where a login ends: the page asked for, else the first staff page this account's roles allow."""
    home = url_for(policy.home_endpoint(roles_of(_engine(), staff["id"])))
    return local_target_under(pending_target(), "/beheer/", home)


def _enrol_page(staff: dict, error: str | None = None, status: int = 200):
    secret = second_factor.enrolment_secret(_engine(), _key(), staff["id"])
    issuer = f"Buurtpreventie {settings.current().GEMEENTENAAM}"
    uri = second_factor.provisioning_uri(secret, staff["username"], issuer)
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=4, dark="#000", light="#fff", svgclass="totp-qr")
    label = _("QR-code om de tweede factor in uw authenticator-app in te stellen")
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" shape-rendering="crispEdges" ', 1)
    spaced = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return _page("staff/second_factor_enrol.html", status, qr=Markup(svg), secret=spaced, error=error)


@bp.get("/tweede-factor")
def enrol():
    """Enrolment, halfway through the first login of a local account: the QR code and the secret as text."""
    staff = pending_staff()
    if staff is None:
        return redirect(url_for("staff.login"))
    if not second_factor.needs_enrolment(_engine(), staff["id"]):
        return redirect(url_for("second_factor.code"))
    return _enrol_page(staff)


@bp.post("/tweede-factor")
@limiter.limit(LOGIN_LIMIT)
def enrol_post():
    """Confirm the enrolment with a code from the app; the session starts and the recovery codes are shown once."""
    staff = pending_staff()
    if staff is None:
        return redirect(url_for("staff.login"))
    if not second_factor.needs_enrolment(_engine(), staff["id"]):
        return redirect(url_for("second_factor.code"))
    try:
        codes = second_factor.confirm_enrolment(_engine(), _key(), staff["id"], request.form.get("code", ""), _now())
    except ValueError:
        message = _("Deze code klopt niet. Typ de zes cijfers die uw app nu toont.")
        return _enrol_page(staff, message, 400)
    target = _done_target(staff)
    login_backoff.record_success(_engine(), staff["id"])
    start_session(staff)
    g.staff = staff
    return _page("staff/recovery_codes.html", codes=codes, target=target)


@bp.get("/code")
def code():
    """The second step of a login: the code from the app, or a recovery code."""
    staff = pending_staff()
    if staff is None:
        return redirect(url_for("staff.login"))
    if second_factor.needs_enrolment(_engine(), staff["id"]):
        return redirect(url_for("second_factor.enrol"))
    return _page("staff/second_factor_code.html", error=None, action=url_for("second_factor.code_post"), next="")


@bp.post("/code")
@limiter.limit(LOGIN_LIMIT)
def code_post():
    """Check the code (counted once, and against the account's back-off); the session starts when it is right."""
    staff = pending_staff()
    if staff is None:
        return redirect(url_for("staff.login"))
    account = login_backoff.find(_engine(), staff["username"])
    error, status = _check_code(staff, account)
    if error:
        return _page("staff/second_factor_code.html", status, error=error, action=request.path, next="")
    target = _done_target(staff)
    login_backoff.record_success(_engine(), staff["id"])
    start_session(staff)
    return redirect(target)


def _check_code(staff: dict, account: login_backoff.Account | None) -> tuple[str | None, int]:
    """Check the code posted for staff: (None, 200) when right, else the message and status to show."""
    wait = seconds_to_wait(account)
    if wait:
        return backoff_message(wait), 429
    if second_factor.verify(_engine(), _key(), staff["id"], request.form.get("code", ""), _now()):
        return None, 200
    if account is not None:
        record_failure(account)
    return _("Deze code klopt niet, of is al gebruikt. Wacht op de volgende code van uw app."), 401


@bp.get("/code/opnieuw")
@login_required
def recheck():
    """Before a sensitive change: the code again, then back to the page that asked."""
    next_url = request.args.get("next", "")
    if not g.staff.get("local", True):
        # No code here: the identity provider asks for its own second factor, so it signs the account in again
        # (prompt=login), and the new session counts as fresh.
        if oidc.enabled():
            return redirect(url_for("oidc.start", next=next_url, opnieuw=1))
        return redirect(url_for("staff.login", next=next_url))
    return _page("staff/second_factor_code.html", error=None, action=request.path, next=next_url, again=True)


@bp.post("/code/opnieuw")
@limiter.limit(LOGIN_LIMIT)
@login_required
def recheck_post():
    """Check the code again; the second factor counts as fresh from now."""
    next_url = request.form.get("next", "")
    account = login_backoff.find(_engine(), g.staff["username"])
    error, status = _check_code(g.staff, account)
    if error:
        context = {"error": error, "action": request.path, "next": next_url, "again": True}
        return _page("staff/second_factor_code.html", status, **context)
    login_backoff.record_success(_engine(), g.staff["id"])
    session[SECOND_FACTOR] = datetime.now(UTC).timestamp()
    return redirect(local_target_under(next_url, "/beheer/", url_for("staff.index")))
