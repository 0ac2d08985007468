"""Staff sessions with Flask-Login: a session carries the account's session version, so that logout,
disabling the account and a new password end every session made before (the session cookie itself is
signed, not stored, and could otherwise be replayed until it expires)."""

from __future__ import annotations

from flask import redirect, request, session, url_for
from flask_login import LoginManager, UserMixin, login_user

from geo_registry.domain.staff import session_id, staff_for_session
from geo_registry.web import services as app_services


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
    """Send a visitor without a session to the login page, which brings them back here afterwards."""
    return redirect(url_for("staff.login", next=request.full_path.rstrip("?")))


def start_session(staff: dict) -> None:
    """A new, fresh session for staff (at login, after a new password): nothing of the session before carries
    over, and it lasts at most the session lifetime (8 hours)."""
    session.clear()
    session.permanent = True
    login_user(StaffUser(staff), fresh=True)


def init_app(app) -> None:
    """Set up Flask-Login for the staff area."""
    login_manager.init_app(app)
