"""Changes to the register, each in one transaction with its audit entry and its e-mails."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from geo_registry.core.text import N_, _
from geo_registry.domain import subscriptions
from geo_registry.domain.groups import Group, GroupStatus, GroupStore, note_change, status_of, utc_now
from geo_registry.domain.staff import audit
from geo_registry.mail.delivery import Message, queue
from geo_registry.store import tables

EDITABLE = ("name", "beheerder_name", "beheerder_email", "beheerder_phone", "description")


class ActionRefused(ValueError):
    """The action does not fit the group's current state."""


def update_group(
    conn: sa.Connection,
    group_id: int,
    expect_status: GroupStatus | None = None,
    expect: Any = None,  # a dict of column -> value; Any, as **fields could name it for mypy
    **fields,
) -> None:
    """Write fields of one group inside the caller's transaction; mark the groups changed if the public sees it.
    With expect_status (and expect: column -> value), write only while the group still has that status (and those
    values), else raise ActionRefused (two staff members, or a double click, deciding at once: only the first
    decision counts)."""
    before = status_of(conn, group_id)
    fields["updated_at"] = utc_now()
    query = tables.groups.update().where(tables.groups.c.id == group_id)
    if expect_status:
        query = query.where(tables.groups.c.status == expect_status)
    for column, value in (expect or {}).items():
        query = query.where(tables.groups.c[column] == value)
    written = conn.execute(query.values(**fields)).rowcount
    if (expect_status or expect) and written != 1:
        raise ActionRefused(_("Deze groep is intussen al door iemand anders gewijzigd. Laad de pagina opnieuw."))
    note_change(conn, before, fields, group_id)


def register(store: GroupStore, group: Group, confirmation, on_behalf_by: str | None = None) -> tuple[int, list[int]]:
    """Store a new registration awaiting e-mail confirmation; confirmation(id) gives the Message; on_behalf_by: the
    staff member who registered it for a resident (the audit entry says so). Return the group's id and the queued
    message ids."""
    with store.transaction() as conn:
        group_id = store.add(replace(group, status=GroupStatus.PENDING_EMAIL, is_example=False), conn)
        message_id = queue(conn, confirmation(group_id))
        if on_behalf_by:
            audit(
                conn, on_behalf_by, N_("aangemeld namens een bewoner (zonder de publieke limiet)"), group_id, group.name
            )
        else:
            audit(conn, N_("aanvrager"), N_("aangemeld"), group_id, group.name)
    return group_id, [message_id]


def confirm_email(store: GroupStore, group_id: int) -> Group | None:
    """Mark the beheerder's address confirmed: the registration now waits for review (None: deleted meanwhile)."""
    group = store.get(group_id)
    if group is None:
        raise ActionRefused(_("Deze aanmelding bestaat niet (meer)."))
    if group.status == GroupStatus.PENDING_EMAIL:
        try:
            with store.transaction() as conn:
                update_group(
                    conn,
                    group_id,
                    expect_status=GroupStatus.PENDING_EMAIL,
                    status=GroupStatus.PENDING_REVIEW,
                    email_confirmed_at=utc_now(),
                )
                audit(conn, N_("aanvrager"), N_("e-mailadres bevestigd"), group_id, group.name)
        except ActionRefused:
            pass  # confirmed a moment ago through the same link (a double click): once is enough
    return store.get(group_id)


def review(store: GroupStore, group_id: int, actor: str, approve: bool, note: str, message, notice=None) -> list[int]:
    """Approve (make public) or reject a registration waiting for review; message(group) tells the beheerder.
    With notice, an approval also tells each resident who waited for a group at a point in its area
    (notice(waiting, group), see subscriptions.fulfil), and the beheerder's message is message(group, waiting=n),
    n being how many residents were told."""
    group = store.get(group_id)
    if group is None or group.status != GroupStatus.PENDING_REVIEW:
        raise ActionRefused(_("Deze aanmelding wacht niet (meer) op beoordeling."))
    status = GroupStatus.ACTIVE if approve else GroupStatus.REJECTED
    with store.transaction() as conn:
        stamp = utc_now()
        update_group(
            conn,
            group_id,
            expect_status=GroupStatus.PENDING_REVIEW,
            status=status,
            reviewed_at=stamp,
            review_note=note or None,
            **({"last_confirmed_at": stamp} if approve else {}),
        )
        audit(conn, actor, N_("goedgekeurd") if approve else N_("afgewezen"), group_id, group.name, note or None)
        told = tell_waiting(conn, group, notice) if approve else []
        told_beheerder = message(group, waiting=len(told)) if notice else message(group)
        return [queue(conn, told_beheerder)] + told


def tell_waiting(conn: sa.Connection, group: Group, notice) -> list[int]:
    """Tell the residents waiting in group's area (now public) that it started; without notice, nobody yet."""
    return subscriptions.fulfil(conn, group, notice) if notice else []


def edit(store: GroupStore, group_id: int, actor: str, changes: dict, notice=None) -> list[str]:
    """Change a group's details and/or area; an active group's new area tells the residents waiting in it
    (notice, as in review); return the names of the fields that changed (sorted)."""
    group = store.get(group_id)
    if group is None:
        raise ActionRefused(_("Deze groep bestaat niet (meer)."))
    changed = {
        k: v for k, v in changes.items() if k in EDITABLE + ("area",) and (k == "area" or getattr(group, k) != v)
    }
    if not changed:
        return []
    with store.transaction() as conn:
        update_group(conn, group_id, **changed)
        audit(conn, actor, N_("gewijzigd"), group_id, changes.get("name", group.name), ", ".join(sorted(changed)))
        if "area" in changed and group.status == GroupStatus.ACTIVE:
            tell_waiting(conn, replace(group, **changed), notice)
    return sorted(changed)


def set_active(store: GroupStore, group_id: int, actor: str, active: bool, notice=None) -> list[int]:
    """Deactivate or reactivate a group; a reactivated group tells the residents waiting in its area (notice, as
    in review); return the queued message ids."""
    group = store.get(group_id)
    if group is None or group.status not in (GroupStatus.ACTIVE, GroupStatus.INACTIVE):
        raise ActionRefused(_("Alleen een goedgekeurde groep kan (de)geactiveerd worden."))
    with store.transaction() as conn:
        update_group(conn, group_id, status=GroupStatus.ACTIVE if active else GroupStatus.INACTIVE)
        audit(conn, actor, N_("geactiveerd") if active else N_("gedeactiveerd"), group_id, group.name)
        return tell_waiting(conn, group, notice) if active else []


def delete(store: GroupStore, group_id: int, actor: str) -> None:
    """Delete a group for good (its audit entries stay)."""
    group = store.get(group_id)
    if group is None:
        raise ActionRefused(_("Deze groep bestaat niet (meer)."))
    with store.transaction() as conn:
        before = status_of(conn, group_id)
        conn.execute(tables.groups.delete().where(tables.groups.c.id == group_id))
        note_change(conn, before, {"status": None}, group_id)
        audit(conn, actor, N_("verwijderd"), group_id, group.name)


def send_messages(engine: sa.Engine, messages: list[Message]) -> list[int]:
    """Queue messages together (a join request and its confirmation, a handover link); return their ids."""
    with engine.begin() as conn:
        return [queue(conn, message) for message in messages]


def purge_stale(store: GroupStore, now: datetime, unconfirmed_days: int = 30, rejected_days: int = 365) -> int:
    """Delete registrations whose address was never confirmed, and rejected ones, once they are old
    (the privacy statement promises this); return how many were deleted."""
    cutoffs = {
        GroupStatus.PENDING_EMAIL: now - timedelta(days=unconfirmed_days),
        GroupStatus.REJECTED: now - timedelta(days=rejected_days),
    }
    stale = [
        g
        for g in store.list(status=None)
        if g.status in cutoffs and (g.reviewed_at or g.created_at) < cutoffs[g.status]
    ]
    with store.transaction() as conn:
        for group in stale:
            conn.execute(tables.groups.delete().where(tables.groups.c.id == group.id))
            audit(conn, N_("opschoning"), N_("verwijderd"), group.id, group.name, _(group.status.label))
    # Only registrations that never became public are purged: the snapshot stays as it is.
    return len(stale)
