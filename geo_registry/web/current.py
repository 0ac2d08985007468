"""The app object behind Flask's `current_app` proxy, for work that outlives the request (threads, closures)."""

from __future__ import annotations

from typing import cast

from flask import Flask, current_app


def current_app_object() -> Flask:
    """The app itself rather than the proxy (Flask's documented `_get_current_object`, in one typed place)."""
    return cast(Flask, current_app._get_current_object())  # type: ignore[attr-defined]
