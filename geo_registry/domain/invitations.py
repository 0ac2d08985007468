"""Inviting a colleague (issue 20): the functioneel-beheerder makes an account with its roles and municipalities
and no usable password, and the colleague gets a signed link by e-mail to set one. The link works once: setting
the password raises the account's session version, which the link carries. The address is not stored: it is
only where the link goes."""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from geo_registry.core.errors import BadInput
from geo_registry.core.text import N_, _
from geo_registry.domain import roles
from geo_registry.domain.audit import audit
from geo_registry.domain.groups import utc_now
from geo_registry.domain.staff import _named
from geo_registry.domain.tokens import LinkInvalid, make_token, read_token
from geo_registry.domain.validation import email_address
from geo_registry.mail.delivery import queue
from geo_registry.store.tables import staff

PURPOSE = "staff-invitation"
VALID_SECONDS = 72 * 3600  # three days: long enough over a weekend, short enough for a forwarded mail


def _check_username(username: str) -> str:
    """The name stripped; ValueError unless 1 to 64 printable characters without spaces."""
    username = (username or "").strip()
    if not username or len(username) > 64 or any(ch.isspace() or not ch.isprintable() for ch in username):
        raise ValueError(_("Geef een gebruikersnaam van 1 tot 64 tekens, zonder spaties."))
    return username


def _name_is_free(conn: sa.Connection, username: str) -> None:
    if conn.execute(sa.select(staff.c.id).where(_named(username))).first():
        raise ValueError(_("Er bestaat al een medewerker ‘%(name)s’.", name=username))


def provision(engine: sa.Engine, username: str, role_names, gemeenten, actor: str, served) -> int:
    """Make, before its first sign-in, the account of a colleague who signs in through the identity provider:
    username is the name the provider gives (preferred_username, or the e-mail address). At that first sign-in
    the account is taken up (domain/oidc.py) with these municipalities; its roles then come from the provider's
    claim, as at every sign-in. No password, no mail; audited. Return the account's id; ValueError as invite."""
    username = _check_username(username)
    chosen = roles.Access(roles.check_roles(role_names), roles.check_gemeenten(gemeenten, served))
    with engine.begin() as conn:
        _name_is_free(conn, username)
        staff_id = conn.execute(
            staff.insert().values(username=username, password_hash="", created_at=utc_now()).returning(staff.c.id)
        ).scalar_one()
        roles.store_access(conn, staff_id, chosen.roles, chosen.gemeenten)
        audit(conn, actor, N_("medewerker vooraf aangemaakt"), detail=f"{username}: {roles.describe(chosen)}")
    return staff_id


def invite(engine: sa.Engine, username: str, email: str, role_names, gemeenten, actor: str, served, message) -> int:
    """Make an account with these roles and municipalities and no usable password, and queue the invitation
    (message(account) builds it, with the link) in one transaction, audited; return the account's id. Raise
    ValueError for a bad name, address, role or municipality, or a name already taken."""
    username = _check_username(username)
    try:
        address = email_address(email)
    except BadInput as error:
        raise ValueError(error.message) from None
    chosen = roles.Access(roles.check_roles(role_names), roles.check_gemeenten(gemeenten, served))
    with engine.begin() as conn:
        _name_is_free(conn, username)
        # No password works (roles.INVITED_MARK) until its holder has set one through the link.
        unknown = roles.INVITED_MARK + secrets.token_urlsafe(16)
        staff_id = conn.execute(
            staff.insert().values(username=username, password_hash=unknown, created_at=utc_now()).returning(staff.c.id)
        ).scalar_one()
        roles.store_access(conn, staff_id, chosen.roles, chosen.gemeenten)
        queue(conn, message({"id": staff_id, "username": username, "session_version": 0, "email": address}))
        audit(conn, actor, N_("medewerker uitgenodigd"), detail=f"{username}: {roles.describe(chosen)}")
    return staff_id


def invitation_token(secret: str, account: dict) -> str:
    """The link's token for this account as it is now (its session version: once the password is set, no more)."""
    return make_token(secret, PURPOSE, {"id": account["id"], "v": account["session_version"]})


def invited_account(engine: sa.Engine, secret: str, token: str) -> dict:
    """The account a still valid, unused invitation is for (LinkInvalid otherwise)."""
    payload = read_token(secret, PURPOSE, token, VALID_SECONDS)
    with engine.connect() as conn:
        row = (
            conn.execute(
                sa.select(staff.c.id, staff.c.username, staff.c.session_version, staff.c.active).where(
                    staff.c.id == payload.get("id")
                )
            )
            .mappings()
            .first()
        )
    if row is None or not row["active"] or row["session_version"] != payload.get("v"):
        raise LinkInvalid(
            _("Deze uitnodiging is al gebruikt of ingetrokken. Vraag de functioneel beheerder om een nieuwe.")
        )
    return dict(row)
