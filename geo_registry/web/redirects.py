"""Where a `next=` parameter may send a visitor: only to a path on this site."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit


def _has_control(text: str) -> bool:
    """True for any control or invisible format character (tab, newline, NUL, DEL, zero-width, bidi marks):
    browsers drop some of these from URLs, which can turn '/\\t/evil' into '//evil'."""
    return any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in text)


def local_target(target: str | None, default: str = "/") -> str:
    """Return target when it is a path on this site, else default (Werkzeug makes the Location ASCII)."""
    if not isinstance(target, str) or not target or len(target) > 2000:
        return default
    # Browsers read a backslash as a slash ('/\\evil' is '//evil') and strip leading/trailing spaces.
    if "\\" in target or _has_control(target) or target != target.strip():
        return default
    if not target.startswith("/") or target.startswith("//"):
        return default
    try:
        parts = urlsplit(target)
    except ValueError:
        return default
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return default
    return target


def local_target_under(target: str | None, prefix: str, default: str) -> str:
    """Return target when it is a path on this site under prefix (e.g. '/beheer/'), else default."""
    safe = local_target(target, default)
    path = urlsplit(safe).path
    if path != prefix.rstrip("/") and not path.startswith(prefix):
        return default
    return safe
