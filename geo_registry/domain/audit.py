"""The append-only audit log: who did what, to which group or account, when."""

from __future__ import annotations

import sqlalchemy as sa

from geo_registry.domain.groups import utc_now
from geo_registry.store.tables import audit_log


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
        audit_log.insert().values(
            at=utc_now(), actor=actor, action=action, group_id=group_id, group_name=group_name, detail=detail
        )
    )


def audit_entries(engine: sa.Engine, limit: int = 500) -> list[dict]:
    """Return the newest audit entries first."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)).mappings()
        return [dict(r) for r in rows]
