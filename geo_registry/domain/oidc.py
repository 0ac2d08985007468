"""Staff accounts of the municipality's own identity provider (OpenID Connect), without Flask: an account is found
by the provider's issuer and subject (made at the first sign-in), and its roles come from the provider's claim
at every sign-in; an account whose claim carries no mapped role is refused and its sessions end. The protocol
itself (PKCE, state, nonce, the ID token's signature, issuer and audience) is Authlib's, in web/staff/oidc.py."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from geo_registry.core.text import N_
from geo_registry.domain import roles as staff_roles
from geo_registry.domain.audit import audit
from geo_registry.domain.groups import utc_now
from geo_registry.store.tables import staff

MAX_USERNAME = 64
# What the audit log says; the log shows them in the reader's language.
CREATED = N_("medewerker aangemaakt bij eerste aanmelding via de identiteitsprovider")
TAKEN_UP = N_("vooraf aangemaakt account in gebruik genomen via de identiteitsprovider")
REFUSED = N_("aanmelding via de identiteitsprovider geweigerd: geen rol")
REFUSED_ROLES = N_("aanmelding via de identiteitsprovider geweigerd: deze rollen kunnen niet")
REFUSED_DISABLED = N_("aanmelding via de identiteitsprovider geweigerd: account uitgeschakeld")
PROVIDER = N_("identiteitsprovider")  # who changed the roles, in the audit log: the provider's claim


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in: from the ID token Authlib verified."""

    issuer: str
    subject: str
    username: str
    claim_values: tuple[str, ...]
    email: str = ""  # the e-mail claim, if any: an account made beforehand may be named by it


class SignInRefused(Exception):
    """The provider's account may not use the register (no mapped role, or the account was disabled here)."""

    def __init__(self, reason: str, message: str = ""):
        super().__init__(reason)
        self.reason = reason  # what the audit log says (REFUSED, REFUSED_DISABLED, REFUSED_ROLES)
        self.message = message  # the rule's own words for the staff member, where there are any


def identity_from_claims(claims: Mapping, issuer: str, roles_claim: str) -> Identity:
    """The identity in verified ID token claims: subject, a username (preferred_username, else e-mail, else the
    subject) and the values of the roles claim (one text or a list of texts); raise ValueError without a subject."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip():
        raise ValueError("ID token without a subject")
    name = next(
        (v for v in (claims.get("preferred_username"), claims.get("email")) if isinstance(v, str) and v.strip()),
        subject,
    )
    raw = claims.get(roles_claim)
    values = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    email = claims.get("email")
    email = clean_username(email) if isinstance(email, str) and email.strip() else ""
    return Identity(
        issuer,
        subject,
        clean_username(name),
        tuple(v for v in values if isinstance(v, str)),
        email,
    )


def clean_username(name: str) -> str:
    """A name as the register shows it: no control characters, spaces folded, at most 64 characters."""
    return re.sub(r"\s+", " ", re.sub(r"[\x00-\x1f\x7f-\x9f]", "", name)).strip()[:MAX_USERNAME] or "medewerker"


def mapped_roles(values: Iterable[str], role_map: Mapping[str, Iterable[str]]) -> tuple[str, ...]:
    """The register's roles that the claim's values map to (sorted, each once); values not in the map count for
    nothing."""
    return tuple(sorted({role for value in values for role in role_map.get(value, ())}))


def sign_in(engine: sa.Engine, identity: Identity, role_map: Mapping[str, Iterable[str]]) -> dict:
    """The account of identity, made at its first sign-in, given the roles its claim maps to (audited when they
    change; the municipalities set here stay); raise SignInRefused (audited, every session of an existing account
    ended) when the claim maps to no role, the account was disabled here, or the roles may not be given (the last
    functioneel-beheerder). Return the account as a session needs it (id, username, session_version)."""
    roles = mapped_roles(identity.claim_values, role_map)
    reason = None if roles else REFUSED
    with engine.begin() as conn:
        account = _account_of(conn, identity)
        if account is None and roles:
            account = _take_up(conn, identity) or _provision(conn, identity)
        if account is not None and not account["active"]:
            reason = reason or REFUSED_DISABLED
        if reason:
            _refuse(conn, identity, account, reason)
    if reason or account is None:
        raise SignInRefused(reason or REFUSED)
    try:
        kept = staff_roles.roles_of(engine, account["id"]).gemeenten
        staff_roles.set_roles(engine, account["id"], roles, kept, PROVIDER)
    except staff_roles.RoleRefused as refused:
        with engine.begin() as conn:
            _refuse(conn, identity, account, REFUSED_ROLES)
        raise SignInRefused(REFUSED_ROLES, str(refused)) from None
    return {key: account[key] for key in ("id", "username", "session_version")}


def _refuse(conn: sa.Connection, identity: Identity, account: dict | None, reason: str) -> None:
    """Note a refused sign-in in the audit log and end every session of the account, if there is one."""
    if account is not None:
        conn.execute(
            staff.update().where(staff.c.id == account["id"]).values(session_version=staff.c.session_version + 1)
        )
    detail = f"{identity.username} ({identity.issuer} {identity.subject}); claim: {', '.join(identity.claim_values)}"
    audit(conn, account["username"] if account else identity.username, reason, detail=detail[:500])


def _account_of(conn: sa.Connection, identity: Identity) -> dict | None:
    """The account of this issuer and subject, active or not, or None."""
    row = (
        conn.execute(
            sa.select(staff.c.id, staff.c.username, staff.c.session_version, staff.c.active).where(
                staff.c.oidc_issuer == identity.issuer, staff.c.oidc_subject == identity.subject
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def _take_up(conn: sa.Connection, identity: Identity) -> dict | None:
    """The account made beforehand for this colleague (accounts.provision: no password, no subject yet) under the
    provider's username or e-mail address, in any case, now bound to the identity's issuer and subject; or None."""
    names = {name.lower() for name in (identity.username, identity.email) if name}
    row = (
        conn.execute(
            sa.select(staff.c.id, staff.c.username, staff.c.session_version, staff.c.active)
            .where(
                staff.c.password_hash == "",
                staff.c.oidc_subject.is_(None),
                sa.func.lower(staff.c.username).in_(sorted(names)),
            )
            .order_by(staff.c.id)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    conn.execute(
        staff.update().where(staff.c.id == row["id"]).values(oidc_issuer=identity.issuer, oidc_subject=identity.subject)
    )
    audit(conn, row["username"], TAKEN_UP, detail=f"{identity.issuer} {identity.subject}"[:500])
    return dict(row)


def _provision(conn: sa.Connection, identity: Identity) -> dict:
    """Make the account of identity: no password (it cannot log in here with one), a name of its own. A local
    account or another provider account with the same name is never taken over: the new name gets a number."""
    username = _free_name(conn, identity.username)
    staff_id = conn.execute(
        staff.insert()
        .values(
            username=username,
            password_hash="",  # no password: the provider signs this account in, with its own second factor
            created_at=utc_now(),
            oidc_issuer=identity.issuer,
            oidc_subject=identity.subject,
        )
        .returning(staff.c.id)
    ).scalar_one()
    audit(conn, username, CREATED, detail=f"{identity.issuer} {identity.subject}"[:500])
    return {"id": staff_id, "username": username, "session_version": 0, "active": 1}


def _free_name(conn: sa.Connection, wanted: str) -> str:
    """wanted, or wanted with the lowest number from 2 that no account has (names compare in any case)."""
    base = wanted[: MAX_USERNAME - 6]  # room for "-" and a number
    pattern = f"{_escaped(base.lower())}%"
    query = sa.select(staff.c.username).where(sa.func.lower(staff.c.username).like(pattern, escape="\\"))
    taken = {name.lower() for name in conn.execute(query).scalars()}
    if wanted.lower() not in taken:
        return wanted
    number = 2
    while f"{base}-{number}".lower() in taken:
        number += 1
    return f"{base}-{number}"


def _escaped(text: str) -> str:
    """text for a LIKE pattern, its wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def is_oidc_account(account: Mapping) -> bool:
    """Whether an account signs in through the identity provider (it has no local password nor local TOTP)."""
    return bool(account.get("oidc_subject"))
