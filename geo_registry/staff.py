"""Staff accounts and the append-only audit log."""
from __future__ import annotations

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from .groups import now_iso

MIN_PASSWORD = 12
# Compared against when the username is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("geen-echt-wachtwoord-0000")


def create_staff(engine: sa.Engine, username: str, password: str) -> int:
    """Create a staff account with a hashed password (scrypt); raise ValueError for a bad one."""
    username = (username or "").strip()
    if not username or len(username) > 64:
        raise ValueError("Geef een gebruikersnaam van 1 tot 64 tekens.")
    if len(password or "") < MIN_PASSWORD:
        raise ValueError(f"Het wachtwoord moet minstens {MIN_PASSWORD} tekens hebben.")
    with engine.begin() as conn:
        if conn.execute(sa.text("SELECT 1 FROM staff WHERE lower(username) = lower(:u)"), {"u": username}).first():
            raise ValueError(f"Er bestaat al een medewerker '{username}'.")
        return conn.execute(sa.text(
            "INSERT INTO staff (username, password_hash, created_at) VALUES (:u, :h, :t)"),
            {"u": username, "h": generate_password_hash(password, method="scrypt"), "t": now_iso()}).lastrowid


def authenticate(engine: sa.Engine, username: str, password: str) -> dict | None:
    """Return the active staff member whose password this is, or None."""
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT id, username, password_hash FROM staff"
                                   " WHERE lower(username) = lower(:u) AND active = 1"),
                           {"u": (username or "").strip()}).mappings().first()
    if row is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(row["password_hash"], password or ""):
        return None
    return {"id": row["id"], "username": row["username"]}


def get_staff(engine: sa.Engine, staff_id: int) -> dict | None:
    """Return an active staff member by id."""
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT id, username FROM staff WHERE id = :i AND active = 1"),
                           {"i": staff_id}).mappings().first()
    return dict(row) if row else None


def audit(conn: sa.Connection, actor: str, action: str, group_id: int | None = None,
          group_name: str | None = None, detail: str | None = None) -> None:
    """Append one entry to the audit log, inside the caller's transaction."""
    conn.execute(sa.text("INSERT INTO audit_log (at, actor, action, group_id, group_name, detail)"
                         " VALUES (:at, :actor, :action, :gid, :gname, :detail)"),
                 {"at": now_iso(), "actor": actor, "action": action, "gid": group_id, "gname": group_name,
                  "detail": detail})


def audit_entries(engine: sa.Engine, limit: int = 500) -> list[dict]:
    """Return the newest audit entries first."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM audit_log ORDER BY id DESC LIMIT :n"), {"n": limit}).mappings()
        return [dict(r) for r in rows]
