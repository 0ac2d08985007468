"""Recording in the access log that this request's account is shown personal data (domain/access_log.py)."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from geo_registry.domain import access_log
from geo_registry.domain.groups import utc_now
from geo_registry.web import services as app_services


def record_seen(what: str, subject: int | str | None = None) -> None:
    """Record that the signed-in account is being shown personal data now (what, about subject), from the
    client's address as the trusted proxy reports it (ProxyFix has rewritten remote_addr when TRUST_PROXY is on)."""
    access_log.record(
        app_services.current().store.engine,
        current_user.id,
        current_user.username,
        what,
        subject,
        request.remote_addr,
        utc_now(),
    )
