"""CSRF tokens for every form, rate limits, and session cookie hardening."""
from __future__ import annotations

import hmac
import secrets
import threading
import time
from datetime import timedelta
from collections import defaultdict, deque

from flask import request, session
from flask.sessions import SecureCookieSessionInterface
from markupsafe import Markup

from .errors import GeoRegistryError
from .text import N_

CSRF_KEY = "_csrf"


class TooManyRequests(GeoRegistryError):
    """A client asked too often in too short a time."""

    status = 429
    code = "too_many_requests"
    default_message = N_("U heeft dit te vaak geprobeerd. Wacht een kwartier en probeer het dan opnieuw.")


class CsrfRefused(GeoRegistryError):
    """A form came without the token of this session."""

    status = 400
    code = "csrf"
    default_message = N_("Het formulier is verlopen of kwam niet van deze website. "
                         "Laad de pagina opnieuw en probeer het nog eens.")


def csrf_token() -> str:
    """Return this session's CSRF token, making one when needed."""
    if CSRF_KEY not in session:
        session[CSRF_KEY] = secrets.token_urlsafe(32)
    return session[CSRF_KEY]


def csrf_field() -> Markup:
    """Return the hidden form field that carries the CSRF token."""
    return Markup(f'<input type="hidden" name="csrf_token" value="{csrf_token()}">')


def check_csrf() -> None:
    """Refuse an unsafe request whose CSRF token does not match the session's."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get("csrf_token", "") or request.headers.get("X-CSRF-Token", "")
    expected = session.get(CSRF_KEY, "")
    if not expected or not hmac.compare_digest(sent, expected):
        raise CsrfRefused()


class RateLimiter:
    """At most `limit` events per key in a sliding window of `window` seconds (per process)."""

    def __init__(self, limit: int, window: float):
        self.limit, self.window = limit, window
        self._events: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one event for key; raise TooManyRequests when over the limit."""
        now = time.monotonic()
        with self._lock:
            events = self._events[key]
            while events and now - events[0] > self.window:
                events.popleft()
            if len(events) >= self.limit:
                raise TooManyRequests()
            events.append(now)

    def reset(self, key: str) -> None:
        """Forget key's events (after a successful login)."""
        with self._lock:
            self._events.pop(key, None)


def client_key() -> str:
    """Identify the client for rate limits (its address, as the proxy reports it when trusted)."""
    return request.remote_addr or "unknown"


class SessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure whenever the request came over HTTPS; opens no session at all for the
    public API (stateless, so no Set-Cookie and no Vary: Cookie to defeat caches)."""

    def open_session(self, app, request):
        """No session for the public API; the signed cookie session everywhere else."""
        from .web.api_http import is_api_path

        if is_api_path(request.path):
            return self.make_null_session(app)
        return super().open_session(app, request)

    def get_cookie_secure(self, app) -> bool:
        """Secure when configured, or when this request is HTTPS."""
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_app(app) -> None:
    """Harden the session cookie, check CSRF on every unsafe request, and set up the limiters."""
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.session_interface = SessionInterface()
    app.permanent_session_lifetime = timedelta(hours=8)
    if app.config.get("TRUST_PROXY"):
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.extensions["geo_registry.limits"] = {
        "login": RateLimiter(int(app.config["LOGIN_LIMIT"]), 15 * 60),
        "join": RateLimiter(int(app.config["JOIN_LIMIT"]), 60 * 60),
        "register": RateLimiter(int(app.config["REGISTER_LIMIT"]), 60 * 60),
    }
    app.before_request(check_csrf)
    app.jinja_env.globals["csrf_field"] = csrf_field
    policy = content_security_policy(app.config)

    @app.after_request
    def security_headers(response):
        """Keep the browser to this site (and the tile server): no other origin, no framing, no sniffing."""
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


def content_security_policy(config) -> str:
    """The Content-Security-Policy: everything from this origin; images also from the configured tile server.
    Folium writes its map as inline script and style, hence 'unsafe-inline' for those two."""
    from urllib.parse import urlsplit

    from .config import tile_url

    tiles = tile_url(config["TILES"])
    tile_origin = ""
    if tiles:
        parts = urlsplit(tiles.replace("{", "").replace("}", ""))
        tile_origin = f" {parts.scheme}://{parts.netloc}"
    return ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data:{tile_origin}; connect-src 'self'; font-src 'self'; object-src 'none'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'")


def limiter(app, name: str) -> RateLimiter:
    """Return the app's limiter called name."""
    return app.extensions["geo_registry.limits"][name]
