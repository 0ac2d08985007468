"""Staff sign-in through the municipality's own identity provider (OpenID Connect): the Authorization Code flow
with PKCE through Authlib's Flask client. Authlib makes and checks state, nonce and the PKCE verifier (kept in the
signed session cookie) and verifies the ID token's signature, issuer and audience; the account and its roles are
the domain's (domain/oidc.py). Every call to the provider ends within OIDC_TIMEOUT seconds in total: a provider
that is down or stalls gives a page that says so, never a 500 or a request that hangs."""

from __future__ import annotations

import logging
import threading

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import (
    Blueprint,
    abort,
    copy_current_request_context,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from joserfc.errors import JoseError

from geo_registry.core.errors import StartupRefused
from geo_registry.core.text import _
from geo_registry.domain import oidc as accounts
from geo_registry.domain.roles import ROLES
from geo_registry.web import services as app_services
from geo_registry.web import settings
from geo_registry.web.redirects import local_target_under
from geo_registry.web.security import limit_per, limiter
from geo_registry.web.staff.sessions import start_session

bp = Blueprint("oidc", __name__, url_prefix="/beheer/oidc")
EXTENSION = "geo_registry.oidc"  # the app's Authlib client, in app.extensions
NEXT = "oidc_next"  # where the staff member was going, in the session during the round trip
SIGNED_IN_HERE = "oidc"  # in the session: signed in through the identity provider
log = logging.getLogger(__name__)


class ProviderUnavailable(Exception):
    """The identity provider did not answer (in time, or with what OpenID Connect asks)."""


def init_app(app) -> None:
    """Register the provider's client when OIDC_ISSUER is set; refuse to start on an incomplete configuration."""
    config = settings.of(app)
    if not config.OIDC_ISSUER:
        return
    if not config.OIDC_CLIENT_ID or not config.OIDC_CLIENT_SECRET:
        raise StartupRefused("GEO_REGISTRY_OIDC_ISSUER is gezet: geef ook OIDC_CLIENT_ID en OIDC_CLIENT_SECRET")
    try:
        role_map = config.oidc_role_map()
    except ValueError as error:
        raise StartupRefused(f"GEO_REGISTRY_OIDC_ROLE_MAP: {error}") from None
    unknown = sorted({role for roles in role_map.values() for role in roles} - set(ROLES))
    if unknown or not role_map:
        raise StartupRefused(
            f"GEO_REGISTRY_OIDC_ROLE_MAP: {'geen rollen' if not role_map else 'onbekende rol ' + ', '.join(unknown)}"
            f" (rollen: {', '.join(ROLES)}; bijvoorbeeld gr-beleid=beleidsmedewerker)"
        )
    oauth = OAuth(app)
    app.extensions[EXTENSION] = oauth.register(
        name="gemeente",
        client_id=config.OIDC_CLIENT_ID,
        client_secret=config.OIDC_CLIENT_SECRET,
        server_metadata_url=f"{config.OIDC_ISSUER.rstrip('/')}/.well-known/openid-configuration",
        client_kwargs={
            "scope": config.OIDC_SCOPE,
            "code_challenge_method": "S256",
            "default_timeout": config.OIDC_TIMEOUT,  # per connect and read; within() bounds the whole call
        },
    )


def enabled(app=None) -> bool:
    """Whether this app signs staff in through an identity provider."""
    return EXTENSION in (app or current_app).extensions


def local_login_allowed() -> bool:
    """Whether the login with a username and password is offered (always without an identity provider)."""
    return not enabled() or settings.current().LOCAL_LOGIN


def button_label() -> str:
    """What the login page's button says: sign in with the municipality's (or region's) account."""
    config = settings.current()
    return _("Inloggen met uw %(naam)s-account", naam=config.REGIO_NAAM or config.GEMEENTENAAM)


def within(seconds: float, call):
    """call() in a thread of its own, waited for at most seconds: requests' timeouts hold per read, so a provider
    that trickles its answer (or a name lookup that stalls) would otherwise hold this request far longer."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = call()
        except Exception as error:  # handed to the waiting request below
            outcome["error"] = error

    worker = threading.Thread(target=run, name="geo_registry.oidc-call", daemon=True)
    worker.start()
    worker.join(seconds)
    if "error" in outcome:
        raise outcome["error"]
    if "value" not in outcome:
        raise ProviderUnavailable(f"no answer within {seconds} s")
    return outcome["value"]


@bp.app_context_processor
def login_options() -> dict:
    """The login page's choices: the identity provider's button (its label) and the local form."""
    return {"oidc_label": button_label() if enabled() else None, "local_login": local_login_allowed()}


def _client():
    """The app's Authlib client, or 404 where no identity provider is configured."""
    client = current_app.extensions.get(EXTENSION)
    if client is None:
        abort(404)
    return client


def _metadata(client) -> dict:
    """The provider's discovery document, fetched once within the deadline; its issuer must be the one
    configured (a document that names another issuer is not this provider's)."""
    config = settings.current()
    metadata = within(config.OIDC_TIMEOUT, client.load_server_metadata)
    if metadata.get("issuer", "").rstrip("/") != config.OIDC_ISSUER.rstrip("/"):
        client.server_metadata.clear()  # asked again next time
        raise ProviderUnavailable(f"the discovery document names issuer {metadata.get('issuer')!r}")
    return metadata


def _page(message: str, status: int):
    """The page that says why the sign-in did not work, with the way back to the login page."""
    return render_template("staff/oidc_error.html", message=message, staff=None), status


def refused_message(refused: accounts.SignInRefused) -> str:
    """What a refused staff member reads: why, and whom to ask."""
    if refused.reason == accounts.REFUSED:
        return _(
            "Uw account bij de gemeente heeft geen rol in dit register, dus u kunt hier niet inloggen. "
            "Vraag de functioneel beheerder om een rol."
        )
    if refused.reason == accounts.REFUSED_DISABLED:
        return _("Uw account in dit register is uitgeschakeld. Neem contact op met de functioneel beheerder.")
    return refused.message


def _unavailable():
    return _page(
        _(
            "De inlogdienst van de gemeente antwoordt nu niet. Probeer het over een paar minuten opnieuw, "
            "of neem contact op met de functioneel beheerder."
        ),
        503,
    )


@bp.get("/inloggen")
@limiter.limit(limit_per(lambda s: s.LOGIN_LIMIT, "15 minutes"))
def start():
    """Send the staff member to the identity provider's sign-in, with state, nonce and a PKCE challenge (a link
    from the login page: a form's CSP form-action would stop the browser at the redirect to the provider)."""
    client = _client()
    try:
        _metadata(client)
    except (ProviderUnavailable, requests.RequestException, ValueError) as error:
        log.warning("Identity provider unavailable at sign-in: %s", error)
        return _unavailable()
    session[NEXT] = request.args.get("next", "")
    # Before a sensitive change (the second factor asked again): the provider must sign the person in afresh,
    # not answer from its own session.
    again = {"prompt": "login"} if request.args.get("opnieuw") else {}
    return client.authorize_redirect(url_for("oidc.callback", _external=True), **again)


@bp.get("/terug")
@limiter.limit(limit_per(lambda s: s.LOGIN_LIMIT, "15 minutes"))
def callback():
    """The provider's answer: exchange the code (with the PKCE verifier), verify the ID token, then sign the
    account in with the roles its claim maps to, or refuse it."""
    client = _client()
    config = settings.current()
    try:
        metadata = _metadata(client)
        token = within(config.OIDC_TIMEOUT, copy_current_request_context(client.authorize_access_token))
        identity = accounts.identity_from_claims(
            token.get("userinfo") or {}, metadata["issuer"], config.OIDC_ROLES_CLAIM
        )
    except (ProviderUnavailable, requests.RequestException) as error:
        log.warning("Identity provider unavailable at its answer: %s", error)
        return _unavailable()
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as error:
        log.warning("Sign-in through the identity provider refused: %s", error)
        return _page(_("Het inloggen via de gemeente is niet gelukt of verlopen. Probeer het opnieuw."), 400)
    engine = app_services.current().store.engine
    try:
        account = accounts.sign_in(engine, identity, config.oidc_role_map())
    except accounts.SignInRefused as refused:
        return _page(refused_message(refused), 403)
    next_url = session.pop(NEXT, "")
    start_session(account)
    session[SIGNED_IN_HERE] = True  # for the menu: such an account has no password here to change
    return redirect(local_target_under(next_url, "/beheer/", url_for("staff.index")))
