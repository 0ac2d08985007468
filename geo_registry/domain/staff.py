"""Staff accounts and the append-only audit log."""

from __future__ import annotations

import functools

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from geo_registry.core.text import N_, _
from geo_registry.domain.groups import now_iso

MIN_PASSWORD = 12


@functools.cache
def dummy_hash() -> str:
    """A password hash of no account, checked when the name is unknown so that the answer takes as long as for a
    known name (made on first use, not when the module is imported: a hash costs a tenth of a second)."""
    return generate_password_hash("geen-echt-wachtwoord-0000")


class UnknownStaff(ValueError):
    """No staff account has this name."""


def check_password(password: str) -> None:
    """Raise ValueError when password is too short to be a staff password."""
    if len(password or "") < MIN_PASSWORD:
        raise ValueError(_("Het wachtwoord moet minstens %(n)d tekens hebben.", n=MIN_PASSWORD))


def create_staff(engine: sa.Engine, username: str, password: str) -> int:
    """Create a staff account with a hashed password (scrypt); raise ValueError for a bad one."""
    username = (username or "").strip()
    if not username or len(username) > 64:
        raise ValueError("Geef een gebruikersnaam van 1 tot 64 tekens.")
    check_password(password)
    with engine.begin() as conn:
        if conn.execute(sa.text("SELECT 1 FROM staff WHERE lower(username) = lower(:u)"), {"u": username}).first():
            raise ValueError(f"Er bestaat al een medewerker '{username}'.")
        return conn.execute(
            sa.text("INSERT INTO staff (username, password_hash, created_at) VALUES (:u, :h, :t) RETURNING id"),
            {"u": username, "h": generate_password_hash(password, method="scrypt"), "t": now_iso()},
        ).scalar_one()


def authenticate(engine: sa.Engine, username: str, password: str) -> dict | None:
    """Return the active staff member whose password this is, or None."""
    with engine.connect() as conn:
        row = (
            conn.execute(
                sa.text(
                    "SELECT id, username, password_hash, session_version FROM staff"
                    " WHERE lower(username) = lower(:u) AND active = 1"
                ),
                {"u": (username or "").strip()},
            )
            .mappings()
            .first()
        )
    if row is None:
        check_password_hash(dummy_hash(), password or "")
        return None
    if not check_password_hash(row["password_hash"], password or ""):
        return None
    return {"id": row["id"], "username": row["username"], "session_version": row["session_version"]}


def get_staff(engine: sa.Engine, staff_id: int) -> dict | None:
    """Return an active staff member by id."""
    with engine.connect() as conn:
        row = (
            conn.execute(
                sa.text("SELECT id, username, session_version FROM staff WHERE id = :i AND active = 1"), {"i": staff_id}
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
        conn.execute(sa.text("UPDATE staff SET session_version = session_version + 1 WHERE id = :i"), {"i": staff_id})


def _account(conn: sa.Connection, username: str) -> dict:
    row = (
        conn.execute(
            sa.text("SELECT id, username, active FROM staff WHERE lower(username) = lower(:u)"),
            {"u": (username or "").strip()},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise UnknownStaff(f"Geen medewerker '{username}'.")
    return dict(row)


def find_staff(engine: sa.Engine, username: str) -> dict:
    """Return the account with this name (in any case), active or not; raise UnknownStaff when there is none."""
    with engine.connect() as conn:
        return _account(conn, username)


def set_active(engine: sa.Engine, username: str, active: bool, actor: str) -> str:
    """Enable or disable an account; either way its sessions end. Return the stored username."""
    with engine.begin() as conn:
        account = _account(conn, username)
        conn.execute(
            sa.text("UPDATE staff SET active = :a, session_version = session_version + 1 WHERE id = :i"),
            {"a": int(active), "i": account["id"]},
        )
        audit(
            conn,
            actor,
            N_("medewerker ingeschakeld") if active else N_("medewerker uitgeschakeld"),
            detail=account["username"],
        )
    return account["username"]


def set_password(engine: sa.Engine, username: str, password: str, actor: str) -> dict:
    """Give an account a new password and end its sessions; return the account with its new session version."""
    check_password(password)
    with engine.begin() as conn:
        account = _account(conn, username)
        conn.execute(
            sa.text("UPDATE staff SET password_hash = :h, session_version = session_version + 1 WHERE id = :i"),
            {"h": generate_password_hash(password, method="scrypt"), "i": account["id"]},
        )
        audit(conn, actor, N_("wachtwoord gewijzigd"), detail=account["username"])
        account["session_version"] = conn.execute(
            sa.text("SELECT session_version FROM staff WHERE id = :i"), {"i": account["id"]}
        ).scalar_one()
    return account


def list_staff(engine: sa.Engine) -> list[dict]:
    """Every staff account (name, active, created), by name; never the password hashes."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, username, active, created_at FROM staff ORDER BY lower(username)"))
        return [dict(r) for r in rows.mappings()]


def audit(
    conn: sa.Connection,
    actor: str,
    action: str,
    group_id: int | None = None,
    group_name: str | None = None,
    detail: str | None = None,
) -> None:
    """Append one entry to the audit log, inside the caller's transaction."""
    conn.execute(
        sa.text(
            "INSERT INTO audit_log (at, actor, action, group_id, group_name, detail)"
            " VALUES (:at, :actor, :action, :gid, :gname, :detail)"
        ),
        {"at": now_iso(), "actor": actor, "action": action, "gid": group_id, "gname": group_name, "detail": detail},
    )


def audit_entries(engine: sa.Engine, limit: int = 500) -> list[dict]:
    """Return the newest audit entries first."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM audit_log ORDER BY id DESC LIMIT :n"), {"n": limit}).mappings()
        return [dict(r) for r in rows]
