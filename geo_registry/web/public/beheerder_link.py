"""The beheerder's personal link: one page to confirm the group, propose a change or hand it over, mailed with
the approval, every yearly round and a handover. It survives its own use (a beheerder who proposed a change can
still hand over), works for a stated time, and stops when the group gets another beheerder: it carries a keyed
digest of the beheerder's address, so a handover (or staff changing the address) ends every older link."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta

from geo_registry.core.text import _
from geo_registry.domain import renewal
from geo_registry.domain.groups import GroupStatus
from geo_registry.domain.tokens import LinkInvalid, fingerprint, make_token, read_token
from geo_registry.web import services as app_services
from geo_registry.web import settings
from geo_registry.web.urls import external_url

PURPOSE = "renewal"


def lifetime_days() -> int:
    """How long a personal link works: until the next yearly round has sent a new one, and the time to answer it."""
    config = settings.current()
    return config.CONFIRM_INTERVAL_DAYS + config.RENEWAL_LINK_DAYS


def beheerder_key(group) -> str:
    """The digest a link carries of the group's current beheerder (their address, case aside)."""
    return fingerprint(settings.current().SECRET_KEY, (group.beheerder_email or "").strip().lower())


def is_beheerders(group, carried) -> bool:
    """Whether a digest carried in a link still names the group's current beheerder."""
    return hmac.compare_digest(str(carried or ""), beheerder_key(group))


def personal_token(group) -> str:
    """The signed part of a beheerder's personal link."""
    return make_token(settings.current().SECRET_KEY, PURPOSE, {"g": group.id, "b": beheerder_key(group)})


def personal_link(group) -> str:
    """The beheerder's personal link, on the site's public address (for e-mail)."""
    return external_url("renewal.start", token=personal_token(group))


def valid_until(issued: datetime | None = None) -> datetime:
    """The last moment a link issued then (now when not given) works."""
    return (issued or datetime.now(UTC)) + timedelta(days=lifetime_days())


def read_personal_link(token: str):
    """Return (the group, when the link stops working) of a personal link that still works; LinkInvalid else."""
    payload, issued = read_token(settings.current().SECRET_KEY, PURPOSE, token, lifetime_days() * 86400, issued=True)
    try:
        group = app_services.current().store.get(int(payload["g"]))
    except (KeyError, TypeError, ValueError):
        raise LinkInvalid() from None
    if group is None or group.status != GroupStatus.ACTIVE:
        raise LinkInvalid(_("Deze groep staat niet (meer) actief in het register."))
    if "b" in payload:
        if not is_beheerders(group, payload["b"]):
            raise LinkInvalid(
                _("Deze link hoort bij een vorige beheerder van de groep. De huidige beheerder heeft een eigen link.")
            )
    # A link mailed before personal links lasted (it names the last confirmation) still works until it is used.
    elif not renewal.link_is_current(group, payload.get("c")):
        raise LinkInvalid(_("Deze link is al gebruikt. U krijgt volgend jaar een nieuwe."))
    return group, valid_until(issued)
