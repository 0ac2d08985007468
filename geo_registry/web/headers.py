"""Security headers on every response: a Content-Security-Policy whose scripts are this origin's files and the
inline scripts the app itself wrote (each carries this request's nonce), no framing, no sniffing."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import g

from geo_registry.core.config import tile_url
from geo_registry.web import settings


def csp_nonce() -> str:
    """Return this request's script nonce, made on first use; a page's own inline <script> tags carry it."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(config, nonce: str | None = None) -> str:
    """The Content-Security-Policy: everything from this origin; images also from the configured tile server.
    Scripts: this origin's files, and inline script only with this response's nonce, so that markup injected
    into a page (an event handler, a <script>) never runs. Styles: this origin's stylesheets only, no inline
    style (an injected style attribute or <style> is not applied either)."""
    tiles = tile_url(config.TILES)
    tile_origin = ""
    if tiles:
        parts = urlsplit(tiles.replace("{", "").replace("}", ""))
        tile_origin = f" {parts.scheme}://{parts.netloc}"
    script_src = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return (
        f"default-src 'self'; script-src {script_src}; script-src-attr 'none'; "
        "style-src 'self'; "
        f"img-src 'self' data:{tile_origin}; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
    )


# Stands in for the nonce while the policy is prepared; a nonce is URL-safe base64, so it never contains this.
_NONCE_MARK = "\x00nonce\x00"


class SecurityHeaders:
    """The security headers of one app, prepared once: the fixed ones as they are sent, and the policy as the
    text before and after the nonce, so that a response costs a concatenation, not building the policy again."""

    def __init__(self, config):
        policy = content_security_policy(config, _NONCE_MARK)
        self.before_nonce, self.after_nonce = policy.split(_NONCE_MARK)
        self.without_nonce = policy.replace(f" 'nonce-{_NONCE_MARK}'", "")
        self.fixed = (
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
            ("X-Frame-Options", "DENY"),
            ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
        )

    def policy(self, nonce: str | None) -> str:
        """The Content-Security-Policy of a response whose inline scripts carry nonce (None: it has none)."""
        return self.before_nonce + nonce + self.after_nonce if nonce else self.without_nonce


def init_app(app) -> None:
    """Set the security headers on every response, and offer csp_nonce() to the templates."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    prepared: list[SecurityHeaders] = []  # made on the first response, when the app's settings are final

    @app.after_request
    def security_headers(response):
        """Keep the browser to this site (and the tile server): no other origin, no framing, no sniffing."""
        if not prepared:
            prepared.append(SecurityHeaders(settings.of(app)))
        headers, sent = prepared[0], response.headers
        # Only this function sets them, once per response: added together, not looked for one by one.
        sent.add("Content-Security-Policy", headers.policy(g.get("csp_nonce")))
        sent.extend(headers.fixed)
        return response
