"""Staff accounts and the append-only audit log."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from geo_registry.core.text import N_
from geo_registry.domain import roles as staff_roles
from geo_registry.domain.audit import audit, audit_entries
from geo_registry.domain.groups import utc_now
from geo_registry.domain.passwords import MIN_PASSWORD, check_password
from geo_registry.store.tables import staff

__all__ = ["audit", "audit_entries"]  # the audit log lived here; actions and renewal still import it from here

# Werkzeug's scrypt with its own parameters (n=2**15, r=8, p=1: about a tenth of a second and 32 MiB per hash).
# A check reads the parameters from the stored hash, so a change here applies to passwords set from then on.
PASSWORD_HASH_METHOD = "scrypt"


@functools.cache
def dummy_hash() -> str:
    """A password hash of no account, checked when the name is unknown so that the answer takes as long as for a
    known name (made on first use, not when the module is imported: a hash costs a tenth of a second)."""
    return generate_password_hash("geen-echt-wachtwoord-0000", method=PASSWORD_HASH_METHOD)


class UnknownStaff(ValueError):
    """No staff account has this name."""


def create_staff(
    engine: sa.Engine,
    username: str,
    password: str,
    roles=staff_roles.DEFAULT_ROLES,
    gemeenten=(),
    served=None,
    *,
    min_length: int = MIN_PASSWORD,
    email: str | None = None,
) -> int:
    """Create a staff account with a hashed password (scrypt) that meets the policy (domain/passwords.py), these
    roles (default: beleidsmedewerker and functioneel-beheerder, for the first administrator), municipalities
    (empty: every one served) and, optionally, the address it is told of failed logins at; raise ValueError for a
    bad name, password, role or municipality (not in served, when given)."""
    username = (username or "").strip()
    if not username or len(username) > 64:
        raise ValueError("Geef een gebruikersnaam van 1 tot 64 tekens.")
    check_password(password, username, min_length)
    chosen_roles = staff_roles.check_roles(roles)
    chosen_codes = staff_roles.check_gemeenten(gemeenten, served)
    with engine.begin() as conn:
        if conn.execute(sa.select(staff.c.id).where(_named(username))).first():
            raise ValueError(f"Er bestaat al een medewerker '{username}'.")
        staff_id = conn.execute(
            staff.insert()
            .values(
                username=username,
                password_hash=generate_password_hash(password, method=PASSWORD_HASH_METHOD),
                created_at=utc_now(),
                email=(email or "").strip() or None,
            )
            .returning(staff.c.id)
        ).scalar_one()
        staff_roles.store_access(conn, staff_id, chosen_roles, chosen_codes)
        return staff_id


def _named(username: str):
    """The condition 'the account has this name, in any case'."""
    return sa.func.lower(staff.c.username) == sa.func.lower((username or "").strip())


def authenticate(engine: sa.Engine, username: str, password: str) -> dict | None:
    """Return the active staff member whose password this is, or None."""
    with engine.connect() as conn:
        row = (
            conn.execute(
                sa.select(staff.c.id, staff.c.username, staff.c.password_hash, staff.c.session_version).where(
                    _named(username), staff.c.active == 1
                )
            )
            .mappings()
            .first()
        )
    if row is None:
        check_password_hash(dummy_hash(), password or "")
        return None
    if not check_password_hash(row["password_hash"], password or ""):
        return None
    return {"id": row["id"], "username": row["username"], "session_version": row["session_version"], "local": True}


def get_staff(engine: sa.Engine, staff_id: int) -> dict | None:
    """Return an active staff member by id."""
    with engine.connect() as conn:
        row = (
            conn.execute(
                sa.select(
                    staff.c.id,
                    staff.c.username,
                    staff.c.session_version,
                    (sa.func.coalesce(staff.c.password_hash, "") != "").label("local"),
                ).where(staff.c.id == staff_id, staff.c.active == 1)
            )
            .mappings()
            .first()
        )
    return dict(row) if row else None


def session_id(staff: dict) -> str:
    """The id a session stores for this staff member: account id and session version ('3:7')."""
    return f"{staff['id']}:{staff['session_version']}"


def staff_for_session(engine: sa.Engine, stored_id: str) -> dict | None:
    """Return the active staff member a session id belongs to, or None once that session has been ended."""
    try:
        staff_id, version = (int(part) for part in stored_id.split(":"))
    except (AttributeError, ValueError):
        return None
    staff = get_staff(engine, staff_id)
    return staff if staff is not None and staff["session_version"] == version else None


def end_sessions(engine: sa.Engine, staff_id: int) -> None:
    """End every session of this staff member (logout): the session id they carry no longer matches."""
    with engine.begin() as conn:
        conn.execute(_next_session(staff_id))


def _next_session(staff_id: int) -> sa.Update:
    """UPDATE of one account that raises its session version: every session made before no longer counts."""
    return staff.update().where(staff.c.id == staff_id).values(session_version=staff.c.session_version + 1)


def _account(conn: sa.Connection, username: str) -> dict:
    row = (
        conn.execute(sa.select(staff.c.id, staff.c.username, staff.c.active).where(_named(username))).mappings().first()
    )
    if row is None:
        raise UnknownStaff(f"Geen medewerker '{username}'.")
    return dict(row)


def find_staff(engine: sa.Engine, username: str) -> dict:
    """Return the account with this name (in any case), active or not; raise UnknownStaff when there is none."""
    with engine.connect() as conn:
        return _account(conn, username)


def set_active(engine: sa.Engine, username: str, active: bool, actor: str) -> str:
    """Enable or disable an account; either way its sessions end. Return the stored username. Raise
    roles.RoleRefused when disabling the last active functioneel-beheerder."""
    with engine.begin() as conn:
        account = _account(conn, username)
        if not active:
            staff_roles.lock_accounts(conn, account["id"])
            staff_roles.refuse_last_administrator(conn, account["id"])
        conn.execute(_next_session(account["id"]).values(active=int(active)))
        audit(
            conn,
            actor,
            N_("medewerker ingeschakeld") if active else N_("medewerker uitgeschakeld"),
            detail=account["username"],
        )
    return account["username"]


def set_password(
    engine: sa.Engine, username: str, password: str, actor: str, *, min_length: int = MIN_PASSWORD
) -> dict:
    """Give an account a new password (that meets the policy) and end its sessions; return the account with its
    new session version."""
    with engine.begin() as conn:
        account = _account(conn, username)
        check_password(password, account["username"], min_length)
        conn.execute(
            _next_session(account["id"]).values(
                password_hash=generate_password_hash(password, method=PASSWORD_HASH_METHOD)
            )
        )
        audit(conn, actor, N_("wachtwoord gewijzigd"), detail=account["username"])
        account["session_version"] = conn.execute(
            sa.select(staff.c.session_version).where(staff.c.id == account["id"])
        ).scalar_one()
    return account


def list_staff(engine: sa.Engine) -> list[dict]:
    """Every staff account (name, active, created, whether it is local and has enrolled a second factor, its
    failed logins since the last success, its roles.Access as "access"), by name; never the password hashes or
    secrets."""
    access = staff_roles.access_by_staff(engine)
    columns = staff.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                columns.id,
                columns.username,
                columns.active,
                columns.created_at,
                (sa.func.coalesce(columns.password_hash, "") != "").label("local"),
                columns.totp_enrolled_at.is_not(None).label("enrolled"),
                columns.failed_logins,
                columns.last_failed_at,
            ).order_by(sa.func.lower(columns.username))
        )
        return [{**r, "access": access.get(r["id"], staff_roles.NO_ACCESS)} for r in rows.mappings()]
