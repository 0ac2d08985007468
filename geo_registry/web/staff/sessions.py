"""Staff sessions with Flask-Login: a session carries the account's session version, so that logout,
disabling the account and a new password end every session made before (the session cookie itself is
signed, not stored, and could otherwise be replayed until it expires). A session starts only once the second
factor was given, and ends after SESSION_IDLE_MINUTES without a request or SESSION_MAX_HOURS after the login;
the times are in the signed cookie, so a copy of an old cookie ends as well."""

from __future__ import annotations

import time

import flask_login
from flask import redirect, request, session, url_for
from flask_login import LoginManager, UserMixin, login_user

from geo_registry.core.text import _
from geo_registry.domain.second_factor import needs_enrolment
from geo_registry.domain.staff import session_id, staff_for_session
from geo_registry.web import services as app_services
from geo_registry.web import settings


class StaffUser(UserMixin):
    """A logged-in staff member as Flask-Login sees them."""

    def __init__(self, staff: dict):
        self.staff = staff
        self.id = staff["id"]
        self.username = staff["username"]

    def get_id(self) -> str:
        """The id in the session: account id and session version, so that an ended session is not found."""
        return session_id(self.staff)


login_manager = LoginManager()
login_manager.refresh_view = "staff.login"
# The staff pages show their own one-time message; Flask's flash() would only pile up in the cookie.
login_manager.login_message = None
login_manager.needs_refresh_message = None
# A session used from another address or browser is no longer fresh: the password page asks to log in again.
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_staff(stored_id: str) -> StaffUser | None:
    """The staff member of a session, or None when the session was ended or the account disabled."""
    staff = staff_for_session(app_services.current().store.engine, stored_id)
    return StaffUser(staff) if staff is not None else None


@login_manager.unauthorized_handler
def to_login_page():
    """Send a visitor without a session to the login page, which brings them back here afterwards; one halfway
    through a login (the password given) to the second factor or its enrolment: no page is open before that."""
    pending = pending_staff()
    if pending is not None:
        return _to_second_factor(pending)
    return redirect(url_for("staff.login", next=request.full_path.rstrip("?")))


# A login halfway (the password given, the second factor not yet): the account, its session version and when.
PENDING = "login_pending"
PENDING_SECONDS = 600


def begin_second_factor(staff: dict, next_url: str):
    """The password was right: remember that in a new session (nothing of the one before carries over) and send
    the visitor to the second factor, or to its enrolment when the account has none yet."""
    session.clear()
    session[PENDING] = {"id": session_id(staff), "at": time.time(), "next": next_url}
    return _to_second_factor(staff)


def _to_second_factor(staff: dict):
    engine = app_services.current().store.engine
    return redirect(url_for("second_factor.enrol" if needs_enrolment(engine, staff["id"]) else "second_factor.code"))


def pending_staff() -> dict | None:
    """The account of the login halfway through in this session (its password given in the last ten minutes, its
    sessions not ended since), or None."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return staff_for_session(app_services.current().store.engine, pending.get("id", ""))


def pending_target() -> str:
    """Where the login halfway through in this session leads once complete (as asked at the login form)."""
    pending = session.get(PENDING)
    return pending.get("next", "") if isinstance(pending, dict) else ""


# Session keys: when the login was, the last request, and the last time the second factor was given.
STARTED, SEEN, SECOND_FACTOR = "started_at", "seen_at", "second_factor_at"


def start_session(staff: dict) -> None:
    """A new, fresh session for staff once both factors were given (an identity provider's login counts as both):
    nothing of the session before carries over, and it lasts at most SESSION_MAX_HOURS."""
    session.clear()
    session.permanent = True
    login_user(StaffUser(staff), fresh=True)
    now = time.time()
    session[STARTED] = session[SEEN] = session[SECOND_FACTOR] = now


def renew_session(staff: dict) -> None:
    """Go on with this session under the account's new session version (after a new password), keeping its
    login time, so that a password change does not extend the session's maximum."""
    started, factor = session.get(STARTED), session.get(SECOND_FACTOR)
    start_session(staff)
    session[STARTED], session[SECOND_FACTOR] = started, factor


def session_ended():
    """None while this staff session may go on (and it counts as used now); else end it and return the redirect
    to the login page, which says why."""
    now, config = time.time(), settings.current()
    started, seen = session.get(STARTED), session.get(SEEN)
    if started is None or seen is None or session.get(SECOND_FACTOR) is None:  # no complete login
        message = None
    elif now - seen > config.SESSION_IDLE_MINUTES * 60:
        message = _("U was %(n)d minuten niet actief; log opnieuw in.", n=config.SESSION_IDLE_MINUTES)
    elif now - started > config.SESSION_MAX_HOURS * 3600:
        message = _("U was %(n)d uur ingelogd; log opnieuw in.", n=config.SESSION_MAX_HOURS)
    else:
        session[SEEN] = now
        return None
    flask_login.logout_user()
    session.clear()
    if message:
        session["flash"], session["flash_kind"] = message, "info"
    return redirect(url_for("staff.login", next=request.full_path.rstrip("?") if request.method == "GET" else ""))


def session_is_current() -> bool:
    """True while this staff session is complete and within its idle time and maximum (ends nothing: for pages
    outside /beheer that only ask whether staff are signed in)."""
    now, config = time.time(), settings.current()
    started, seen = session.get(STARTED), session.get(SEEN)
    if started is None or seen is None or session.get(SECOND_FACTOR) is None:
        return False
    return now - seen <= config.SESSION_IDLE_MINUTES * 60 and now - started <= config.SESSION_MAX_HOURS * 3600


def second_factor_is_fresh() -> bool:
    """True when this session gave the second factor within SECOND_FACTOR_FRESH_MINUTES."""
    given = session.get(SECOND_FACTOR)
    return given is not None and time.time() - given <= settings.current().SECOND_FACTOR_FRESH_MINUTES * 60


def init_app(app) -> None:
    """Set up Flask-Login for the staff area."""
    login_manager.init_app(app)
