"""Security headers on every response: a Content-Security-Policy whose scripts are this origin's files and the
inline scripts the app itself wrote (each carries this request's nonce), no framing, no sniffing."""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import g

from ..config import tile_url


def csp_nonce() -> str:
    """Return this request's script nonce, made on first use; a page's own inline <script> tags carry it."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(config, nonce: str | None = None) -> str:
    """The Content-Security-Policy: everything from this origin; images also from the configured tile server.
    Scripts: this origin's files, and inline script only with this response's nonce, so that markup injected
    into a page (an event handler, a <script>) never runs. Folium still writes inline styles."""
    tiles = tile_url(config["TILES"])
    tile_origin = ""
    if tiles:
        parts = urlsplit(tiles.replace("{", "").replace("}", ""))
        tile_origin = f" {parts.scheme}://{parts.netloc}"
    script_src = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return (f"default-src 'self'; script-src {script_src}; script-src-attr 'none'; "
            "style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data:{tile_origin}; connect-src 'self'; font-src 'self'; object-src 'none'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'")


def init_app(app) -> None:
    """Set the security headers on every response, and offer csp_nonce() to the templates."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def security_headers(response):
        """Keep the browser to this site (and the tile server): no other origin, no framing, no sniffing."""
        response.headers.setdefault("Content-Security-Policy",
                                    content_security_policy(app.config, g.get("csp_nonce")))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
