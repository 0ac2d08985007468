"""CSRF protection (Flask-WTF), rate limits (Flask-Limiter), and session cookie hardening."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from datetime import timedelta

from flask import request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from limits.errors import ConfigurationError
from markupsafe import Markup, escape

from geo_registry.core.errors import GeoRegistryError, StartupRefused
from geo_registry.core.settings import Settings
from geo_registry.core.text import N_, _
from geo_registry.web import settings
from geo_registry.web.memory_limits import quiet_uri

# Long enough for a resident who fills in the registration form slowly (drawing an area takes a while).
CSRF_TIME_LIMIT = 8 * 3600

csrf = CSRFProtect()
# Read by machines (the load balancer, Prometheus): no session, so no cookie (web.health, web.metrics).
SESSIONLESS = {"/healthz", "/readyz", "/metrics"}


def client_address() -> str:
    """The limiter's key for a client: its IPv4 address, or the /64 network of its IPv6 address."""
    # The address as the trusted proxy reports it when TRUST_PROXY is on (ProxyFix rewrites remote_addr).
    address = get_remote_address()
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:  # not an IP address (a unix socket): counted as it is
        return address
    if ip.version == 4:
        return address
    if ip.ipv4_mapped:  # an IPv4 client on a dual-stack socket is that one IPv4 client, not all of IPv4
        return str(ip.ipv4_mapped)
    # One subscriber is given a whole /64 and can take a new address from it for every request.
    return str(ipaddress.IPv6Network((ip.packed[:8] + bytes(8), 64)))


limiter = Limiter(client_address)


class TooManyRequests(GeoRegistryError):
    """A client asked too often in too short a time."""

    status = 429
    code = "too_many_requests"
    default_message = N_("U heeft dit te vaak geprobeerd. Wacht een kwartier en probeer het dan opnieuw.")


# A limit per e-mail address lasts a day: its own message, since "wait a quarter of an hour" would not help.
MAILBOX_LIMITED = N_("Naar dit e-mailadres is vandaag al vaak gemaild vanaf deze website. Probeer het morgen opnieuw.")


class CsrfRefused(GeoRegistryError):
    """A form came without the token of this session."""

    status = 400
    code = "csrf"
    default_message = N_(
        "Het formulier is verlopen of kwam niet van deze website. Laad de pagina opnieuw en probeer het nog eens."
    )


def csrf_field() -> Markup:
    """Return the hidden form field that carries this session's CSRF token."""
    return Markup('<input type="hidden" name="csrf_token" value="%s">') % escape(generate_csrf())


def limit_per(setting: Callable[[Settings], int], window: str):
    """Return a limit string read from the setting (e.g. lambda s: s.JOIN_LIMIT) on every request, e.g. '5 per
    1 hour'."""
    return lambda: f"{setting(settings.current())} per {window}"


# Gmail ignores dots in the name and serves both domains from one mailbox (j.an@gmail.com is jan@googlemail.com).
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def posted_mailbox() -> str:
    """The limiter's key for a limit per recipient: the e-mail address in the form, as one mailbox (spaces,
    capitals, a +tag and Gmail's dots do not make it another), so that many clients together cannot flood one
    address."""
    local, _at, domain = "".join((request.form.get("email") or "").split()).lower().rpartition("@")
    local = local.partition("+")[0]
    if domain in DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), DOTLESS_DOMAINS[domain]
    return f"mailbox:{local}@{domain}"


def limit_per_mailbox(setting: Callable[[Settings], int], **options):
    """A limit of setting per day per e-mail address typed in the form (its own message when reached)."""
    return limiter.limit(
        limit_per(setting, "1 day"),
        key_func=posted_mailbox,
        deduct_when=when_carried_out,
        error_message=lambda: _(MAILBOX_LIMITED),
        **options,
    )


def path_group() -> str:
    """The limiter's key for a limit per group: the group in the URL, whichever client asks."""
    return f"group:{(request.view_args or {}).get('group_id')}"


def when_carried_out(response) -> bool:
    """Count a submission against its limit only once it was carried out: the redirect to the 'sent' page,
    not a form returned with errors, a check of the area, or the honeypot's silent redirect."""
    return response.status_code in (302, 303) and not request.form.get("website")


def forget_hits() -> None:
    """Forget this client's hits on the limits of the current view (after a successful login)."""
    for hit in limiter.current_limits:
        limiter.limiter.clear(hit.limit, *hit.request_args)


class SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over HTTPS; opens no session at all for the
    public API (stateless, so no Set-Cookie and no Vary: Cookie to defeat caches)."""

    def open_session(self, app, request):
        """No session for the public API, the health checks and the metrics; the signed cookie session
        everywhere else."""
        from geo_registry.web.api.http import is_api_path

        if is_api_path(request.path) or request.path in SESSIONLESS:
            return self.make_null_session(app)
        return super().open_session(app, request)

    def get_cookie_secure(self, app) -> bool:
        """Secure when configured, or when this request is HTTPS."""
        return settings.of(app).SESSION_COOKIE_SECURE or request.is_secure


def proxy_networks(addresses: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The networks of PROXY_ADDRESSES (comma separated addresses or networks); refuse the start on a typo."""
    try:
        return [ipaddress.ip_network(part.strip()) for part in addresses.split(",") if part.strip()]
    except ValueError as error:
        raise StartupRefused(
            f"GEO_REGISTRY_PROXY_ADDRESSES={addresses!r}: {error} (bijvoorbeeld GEO_REGISTRY_PROXY_ADDRESSES=127.0.0.1)"
        ) from None


class TrustedProxy:
    """X-Forwarded-For/Proto/Host as the one reverse proxy reports them (werkzeug's ProxyFix), only on requests
    that come from that proxy's address; from anyone else they are dropped, as a client could forge them to
    escape its rate limits or pass for HTTPS."""

    FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT")

    def __init__(self, wsgi_app, addresses: str):
        from werkzeug.middleware.proxy_fix import ProxyFix

        self.direct = wsgi_app
        self.proxied = ProxyFix(wsgi_app, x_for=1, x_proto=1, x_host=1)
        self.networks = proxy_networks(addresses)

    def trusted(self, remote: str) -> bool:
        """Whether remote (REMOTE_ADDR) is the proxy; a unix socket (no address) is reached only by the host's own."""
        try:
            ip = ipaddress.ip_address(remote)
        except ValueError:
            return not remote
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:  # the proxy on a dual-stack socket
            ip = ip.ipv4_mapped
        return any(ip in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.trusted(environ.get("REMOTE_ADDR", "")):
            return self.proxied(environ, start_response)
        for key in self.FORWARDED:
            environ.pop(key, None)
        return self.direct(environ, start_response)


def init_app(app) -> None:
    """Harden the session cookie, check CSRF on every unsafe request, and set up the rate limiter."""
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.session_interface = SessionInterface()
    app.permanent_session_lifetime = timedelta(hours=settings.of(app).SESSION_MAX_HOURS)
    if settings.of(app).TRUST_PROXY:
        app.wsgi_app = TrustedProxy(app.wsgi_app, settings.of(app).PROXY_ADDRESSES)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", CSRF_TIME_LIMIT)
    csrf.init_app(app)
    init_limiter(app)
    # Both become the project's own errors: the same Dutch/English page (or JSON) as every other refusal.
    app.register_error_handler(CSRFError, lambda error: app.handle_user_exception(CsrfRefused()))
    app.register_error_handler(
        RateLimitExceeded,
        lambda error: app.handle_user_exception(
            TooManyRequests(error.description if error.limit.error_message else None)
        ),
    )
    app.jinja_env.globals["csrf_field"] = csrf_field


def init_limiter(app) -> None:
    """Start Flask-Limiter on the storage RATELIMIT_STORAGE_URI names; refuse to start on one it cannot use."""
    uri = settings.of(app).RATELIMIT_STORAGE_URI
    # A sliding window, as a person reads "5 per hour": never 10 within a few minutes around a full hour.
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)  # Retry-After on a 429
    # A shared store that is down or unreachable must not take the forms down with it (a 500, or a request
    # hanging on a dead connection): each process counts in its own memory meanwhile, and goes back to the
    # store once it answers again.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1})
    # The limiter object is shared by every app in the process (its decorators are set when the views are
    # defined); a new app starts as a new Limiter would: on its own, live storage, not in the fallback a previous
    # app's dead store left; with its own storage options (Flask-Limiter adds each app's options to those the
    # previous apps left); and with no back-off carried over from another app's store (the first check of a dead
    # store a second after the start).
    limiter._storage_dead = False
    limiter._storage_options = {}
    # Known debt: these are Flask-Limiter's private attributes (a Limiter per app would need none of this).
    limiter._Limiter__check_backend_count = 0  # type: ignore[attr-defined]
    limiter._Limiter__last_check_backend = time.time()  # type: ignore[attr-defined]
    # memory:// as counts without a timer thread per hit (web.memory_limits); the config keeps what was set.
    limiter._storage_uri = quiet_uri(uri)
    try:
        limiter.init_app(app)
    except (ConfigurationError, NotImplementedError, ValueError) as error:
        raise StartupRefused(
            f"GEO_REGISTRY_RATELIMIT_STORAGE_URI={uri!r} is niet bruikbaar voor de "
            f"snelheidslimieten (strategie {app.config['RATELIMIT_STRATEGY']!r}): {error}"
        ) from error
