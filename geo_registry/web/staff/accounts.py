"""Staff accounts on the site, for the functioneel-beheerder (issue 20): the list, inviting a colleague by e-mail,
changing roles and municipalities, disabling and enabling; every change in the audit log with who made it. And
the invitation's page, where the colleague sets a password (the link works once)."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for

from geo_registry.core.text import _
from geo_registry.domain import invitations, roles, second_factor
from geo_registry.domain.staff import find_staff, list_staff, set_active, set_password
from geo_registry.web import services as app_services
from geo_registry.web import settings
from geo_registry.web.mailing import mail_message
from geo_registry.web.security import forget_hits, limit_per, limiter
from geo_registry.web.staff import oidc, scope
from geo_registry.web.staff.policy import current_access, home_endpoint
from geo_registry.web.staff.second_factor import fresh_second_factor_required
from geo_registry.web.staff.sessions import start_session
from geo_registry.web.staff.views import login_required
from geo_registry.web.urls import external_url

bp = Blueprint("accounts", __name__, url_prefix="/beheer")


def _engine():
    return app_services.current().store.engine


def _render(template: str, status: int = 200, **context):
    # This blueprint is not "staff", so the staff layout gets its navigation and message from here.
    flash, kind = session.pop("flash", None), session.pop("flash_kind", "info")
    page = render_template(
        template,
        staff=getattr(g, "staff", None),
        flash=flash,
        flash_kind=kind,
        role_labels=roles.ROLE_LABELS,
        gemeenten=scope.served(),
        oidc_enabled=oidc.enabled(),
        local_login=oidc.local_login_allowed(),
        **context,
    )
    return page, status


def _chosen() -> tuple[list[str], list[str]]:
    """The roles and municipalities ticked in the form; an account limited to some municipalities gives only
    those (none ticked: all of its own, never more)."""
    codes = request.form.getlist("gemeente")
    own = scope.codes()
    if own is not None and not codes:
        codes = own
    return request.form.getlist("rol"), codes


def _served_codes() -> list[str]:
    """The municipality codes this account may hand out: its own."""
    own = scope.codes()
    return own if own is not None else app_services.served().codes


@bp.get("/accounts")
@login_required
def index(error: str | None = None, typed: dict | None = None, status: int = 200):
    """Every staff account with its roles and municipalities, and the form to invite a colleague."""
    return _render("staff/accounts.html", status, accounts=_managed(), error=error, typed=typed or {}, roles=roles)


@bp.post("/accounts/uitnodigen")
@login_required
@fresh_second_factor_required(form=lambda: url_for("accounts.index"))
def invite():
    """Make an account for a colleague and e-mail them a link to set a password."""
    if not oidc.local_login_allowed():  # LOCAL_LOGIN=false: a password would sign nobody in
        abort(404)
    typed = {"gebruikersnaam": request.form.get("gebruikersnaam", ""), "email": request.form.get("email", "")}
    role_names, codes = _chosen()
    secret = settings.current().SECRET_KEY

    def message(account):
        """The invitation, with its single-use link."""
        link = external_url("accounts.accept", token=invitations.invitation_token(secret, account))
        return mail_message("uitnodiging", account["email"], "staff_invitation", account=account, link=link)

    try:
        invitations.invite(
            _engine(), typed["gebruikersnaam"], typed["email"], role_names, codes, g.staff["username"],
            _served_codes(), message,
        )  # fmt: skip
    except ValueError as error:
        return index(str(error), {**typed, "rol": role_names, "gemeente": codes}, 400)
    session["flash"] = _(
        "%(name)s is uitgenodigd: de uitnodiging is onderweg naar %(email)s.",
        name=typed["gebruikersnaam"].strip(),
        email=typed["email"].strip(),
    )
    return redirect(url_for("accounts.index"))


@bp.post("/accounts/vooraf")
@login_required
@fresh_second_factor_required(form=lambda: url_for("accounts.index"))
def provision():
    """With an identity provider: make a colleague's account before its first sign-in there, with the
    municipalities it works for (its roles then come from the provider's claim). No mail: the provider knows it."""
    if not oidc.enabled():
        abort(404)
    typed = {"gebruikersnaam": request.form.get("oidc_naam", "")}
    role_names, codes = _chosen()
    try:
        invitations.provision(
            _engine(), typed["gebruikersnaam"], role_names, codes, g.staff["username"], _served_codes()
        )
    except ValueError as error:
        return index(str(error), {"oidc_naam": typed["gebruikersnaam"], "rol": role_names, "gemeente": codes}, 400)
    session["flash"] = _(
        "Het account %(name)s staat klaar: het wordt in gebruik genomen bij de eerste keer inloggen via de gemeente.",
        name=typed["gebruikersnaam"].strip(),
    )
    return redirect(url_for("accounts.index"))


def _managed() -> list[dict]:
    """The accounts this functioneel-beheerder manages: every one, or for one limited to some municipalities,
    those whose municipalities all lie within its own (so it can never widen or narrow anyone else's)."""
    accounts, own = list_staff(_engine()), scope.codes()
    if own is None:
        return accounts
    return [a for a in accounts if a["access"].gemeenten and a["access"].gemeenten <= set(own)]


def _account_or_404(staff_id: int) -> dict:
    account = next((a for a in _managed() if a["id"] == staff_id), None)
    if account is None:
        abort(404)
    return account


def _edit_page(staff_id: int) -> str:
    """Where a change to an account returns after the code was asked again: the account's page."""
    return url_for("accounts.edit", staff_id=staff_id)


# Every change to another account asks for the second factor again when it is older than
# SECOND_FACTOR_FRESH_MINUTES (issue 20): a session left open on a desk does not hand out roles.
FRESH = fresh_second_factor_required(form=_edit_page)


@bp.get("/accounts/<int:staff_id>")
@login_required
@FRESH
def edit(staff_id: int):
    """One account: its roles and municipalities, and disabling or enabling it."""
    return _render("staff/account_edit.html", account=_account_or_404(staff_id), roles=roles)


@bp.post("/accounts/<int:staff_id>/rollen")
@login_required
@FRESH
def change_roles(staff_id: int):
    """Give the account the roles and municipalities ticked (audited; the last functioneel-beheerder stays)."""
    account = _account_or_404(staff_id)
    role_names, codes = _chosen()
    try:
        roles.set_roles(_engine(), staff_id, role_names, codes, g.staff["username"], _served_codes())
    except roles.RoleRefused as refusal:
        session["flash"], session["flash_kind"] = str(refusal), "error"
    else:
        session["flash"] = _("De rollen van %(name)s zijn opgeslagen.", name=account["username"])
    return redirect(url_for("accounts.edit", staff_id=staff_id))


@bp.post("/accounts/<int:staff_id>/status")
@login_required
@FRESH
def change_status(staff_id: int):
    """Disable or enable the account (its sessions end either way)."""
    account = _account_or_404(staff_id)
    active = request.form.get("actief") == "ja"
    try:
        set_active(_engine(), account["username"], active, g.staff["username"])
    except roles.RoleRefused as refusal:
        session["flash"], session["flash_kind"] = str(refusal), "error"
    else:
        done = _("%(name)s is weer ingeschakeld.") if active else _("%(name)s is uitgeschakeld en uitgelogd.")
        session["flash"] = done % {"name": account["username"]}
    return redirect(url_for("accounts.edit", staff_id=staff_id))


@bp.post("/accounts/<int:staff_id>/tweede-factor")
@login_required
@FRESH
def reset_second_factor(staff_id: int):
    """Wipe a colleague's second factor (a lost phone): audited, its sessions end, it enrols again at its next
    login. Not one's own (that is what the recovery codes are for: otherwise a stolen session could remove the
    factor that protects it), nor an account of the identity provider (its second factor is the provider's)."""
    account = _account_or_404(staff_id)
    if staff_id == g.staff["id"]:
        message = _(
            "Uw eigen tweede factor kunt u hier niet wissen. Kwijt? Log in met een herstelcode, of vraag een "
            "andere functioneel beheerder."
        )
    elif not account["local"]:
        message = _("Dit account logt in via de gemeente; de tweede factor regelt de gemeente zelf.")
    else:
        second_factor.reset_second_factor(_engine(), account["username"], g.staff["username"])
        session["flash"] = _(
            "De tweede factor van %(name)s is gewist en %(name)s is uitgelogd. Bij de volgende keer inloggen "
            "stelt %(name)s een nieuwe in.",
            name=account["username"],
        )
        return redirect(url_for("accounts.edit", staff_id=staff_id))
    session["flash"], session["flash_kind"] = message, "error"
    return redirect(url_for("accounts.edit", staff_id=staff_id))


@bp.get("/uitnodiging/<token>")
def accept(token: str):
    """The invitation's page: choose a password (the link works until one is set)."""
    account = invitations.invited_account(_engine(), settings.current().SECRET_KEY, token)
    return _render("staff/invitation.html", account=account, token=token, error=None)


@bp.post("/uitnodiging/<token>")
@limiter.limit(limit_per(lambda s: s.LOGIN_LIMIT, "15 minutes"))
def accept_post(token: str):
    """Set the password of an invited account and sign it in; the link no longer works afterwards."""
    engine = _engine()
    account = invitations.invited_account(engine, settings.current().SECRET_KEY, token)
    new = request.form.get("nieuw", "")
    try:
        if new != request.form.get("herhaal", ""):
            raise ValueError(_("De twee nieuwe wachtwoorden zijn niet hetzelfde."))
        changed = set_password(engine, account["username"], new, account["username"])
    except ValueError as error:
        return _render("staff/invitation.html", 400, account=account, token=token, error=str(error))
    forget_hits()
    start_session({**find_staff(engine, account["username"]), "session_version": changed["session_version"]})
    session["flash"] = _("Welkom, %(name)s. Uw wachtwoord is ingesteld.", name=account["username"])
    return redirect(url_for(home_endpoint(current_access())))
