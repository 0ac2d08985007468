"""Keeping the register current: the yearly confirmation round, proposed changes and handovers."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import shapely
import sqlalchemy as sa

from geo_registry.core.formats import moment
from geo_registry.core.geometry import to_geojson_text
from geo_registry.core.text import N_, _
from geo_registry.domain.actions import ActionRefused, tell_waiting, update_group
from geo_registry.domain.groups import Group, GroupStatus, GroupStore, utc_now
from geo_registry.domain.staff import audit
from geo_registry.mail.delivery import queue
from geo_registry.store.tables import group_changes, groups


def last_confirmed(group: Group) -> datetime:
    """When the beheerder (or staff, by approving) last confirmed the group."""
    return group.last_confirmed_at or group.created_at


def link_stamp(group: Group) -> str:
    """The last confirmation a yearly or handover link is made for, as ISO 8601 text (a link carries JSON)."""
    return last_confirmed(group).isoformat()


def link_is_current(group: Group, stamp) -> bool:
    """Whether a link's stamp is still the group's last confirmation (once confirmed again, the link is used).
    Compared as instants, not as text: links made while times were stored as text stay valid."""
    return moment(stamp) == last_confirmed(group)


def due_date(group: Group, interval_days: int) -> datetime:
    """When the group must be confirmed again."""
    return last_confirmed(group) + timedelta(days=interval_days)


def is_overdue(group: Group, now: datetime, interval_days: int) -> bool:
    """Tell whether an active group was not confirmed within the interval."""
    return group.status == GroupStatus.ACTIVE and due_date(group, interval_days) <= now


def needs_reminder(group: Group, now: datetime, interval_days: int) -> bool:
    """Overdue, and not yet reminded since it became due (so a second run sends nothing)."""
    sent = group.reminder_sent_at
    return is_overdue(group, now, interval_days) and (sent is None or sent < due_date(group, interval_days))


def overdue_groups(store: GroupStore, now: datetime, interval_days: int) -> list[Group]:
    """Active groups not confirmed within the interval, longest overdue first."""
    return sorted([g for g in store.list() if is_overdue(g, now, interval_days)], key=last_confirmed)


def remind(store: GroupStore, group: Group, actor: str, message) -> int:
    """Queue one reminder (message(group) builds it) and note when it was sent; return the message id."""
    with store.transaction() as conn:
        message_id = queue(conn, message(group))
        conn.execute(groups.update().where(groups.c.id == group.id).values(reminder_sent_at=utc_now()))
        audit(conn, actor, N_("herinnering verstuurd"), group.id, group.name)
    return message_id


def run_round(store: GroupStore, now: datetime, interval_days: int, message) -> list[int]:
    """Remind every beheerder whose group is due and was not reminded yet; return the message ids."""
    return [remind(store, g, N_("jaarronde"), message) for g in store.list() if needs_reminder(g, now, interval_days)]


def confirm_active(store: GroupStore, group_id: int, actor: str = "beheerder") -> None:
    """The beheerder confirms that the group is still active."""
    group = _active(store, group_id)
    with store.transaction() as conn:
        update_group(conn, group_id, last_confirmed_at=utc_now())
        audit(conn, actor, N_("bevestigd als actief"), group_id, group.name)


def propose_change(store: GroupStore, group_id: int, changes: dict) -> int:
    """Store the beheerder's proposed change for review; proposing also confirms the group is active."""
    group = _active(store, group_id)
    payload = dict(changes)
    if "area" in payload:
        payload["area"] = json.loads(to_geojson_text(payload["area"]))
    with store.transaction() as conn:
        # One proposal waits per group: the personal link stays usable, and a second proposal is the beheerder's
        # latest word (two waiting side by side could each be approved, the older one last).
        conn.execute(group_changes.delete().where(group_changes.c.group_id == group_id))
        change_id = conn.execute(
            group_changes.insert()
            .values(group_id=group_id, payload=json.dumps(payload), created_at=utc_now())
            .returning(group_changes.c.id)
        ).scalar_one()
        update_group(conn, group_id, last_confirmed_at=utc_now())
        audit(conn, N_("beheerder"), N_("wijziging voorgesteld"), group_id, group.name, ", ".join(sorted(payload)))
    return change_id


def pending_changes(store: GroupStore, group_id: int | None = None) -> list[dict]:
    """Return proposed changes (of one group, or all), oldest first, with their payload decoded."""
    query = sa.select(group_changes).order_by(group_changes.c.id)
    if group_id:
        query = query.where(group_changes.c.group_id == group_id)
    with store.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [{**row, "payload": json.loads(row["payload"])} for row in rows]


def review_change(
    store: GroupStore, change_id: int, actor: str, approve: bool, note: str, message, notice=None
) -> list[int]:
    """Apply or drop a proposed change; message(group, approve) tells the beheerder. An applied new area tells
    the residents waiting in it (notice(waiting, group), see subscriptions.fulfil)."""
    with store.transaction() as conn:
        this_change = group_changes.c.id == change_id
        row = conn.execute(sa.select(group_changes).where(this_change)).mappings().first()
        # Deleted first, and counted: of two decisions at once (a double click, two staff members) only the one
        # that removed the change goes on; the other finds it gone and changes nothing.
        taken = row is not None and conn.execute(group_changes.delete().where(this_change)).rowcount == 1
        if not taken:
            raise ActionRefused(_("Deze wijziging is al beoordeeld."))
        group = store.get(row["group_id"])
        assert group is not None  # a change goes with its group (ON DELETE CASCADE)
        payload = json.loads(row["payload"])
        if approve:
            if "area" in payload:
                payload["area"] = shapely.geometry.shape(payload["area"])
            update_group(conn, row["group_id"], **payload)
        audit(
            conn,
            actor,
            N_("wijziging goedgekeurd") if approve else N_("wijziging afgewezen"),
            group.id,
            group.name,
            note or None,
        )
        told = (
            tell_waiting(conn, replace(group, **payload), notice)
            if approve and "area" in payload and group.status == GroupStatus.ACTIVE
            else []
        )
        return [queue(conn, message(group, approve))] + told


def hand_over(
    store: GroupStore, group_id: int, new: dict, lang: str = "nl", messages=None, from_email: str | None = None
) -> tuple[Group, list[int]]:
    """Make the new beheerder (who confirmed their own address) the group's beheerder: new holds their name,
    email and phone (None: none given; the old beheerder's number is never kept for them). messages(before,
    after) gives the e-mails that tell the people concerned, queued in the same transaction; return the group
    as it was and the message ids. from_email: the beheerder the handover was asked of; when someone else is
    beheerder by now (a double click, two links at once), ActionRefused and nothing is written or sent."""
    group = _active(store, group_id)
    if from_email is not None and group.beheerder_email != from_email:
        raise ActionRefused(_("Deze groep is intussen al door iemand anders gewijzigd. Laad de pagina opnieuw."))
    fields = {"beheerder_name": new["name"], "beheerder_email": new["email"], "beheerder_phone": new.get("phone")}
    with store.transaction() as conn:
        expect = {"beheerder_email": group.beheerder_email}  # still the beheerder read above, when writing
        update_group(conn, group_id, GroupStatus.ACTIVE, expect, **fields, last_confirmed_at=utc_now(), lang=lang)
        audit(conn, N_("nieuwe beheerder"), N_("overgedragen"), group_id, group.name, new["name"])
        after = replace(group, **fields, lang=lang)
        ids = [queue(conn, message) for message in (messages(group, after) if messages else [])]
    return group, ids


def _active(store: GroupStore, group_id: int) -> Group:
    group = store.get(group_id)
    if group is None or group.status != GroupStatus.ACTIVE:
        raise ActionRefused(_("Deze groep is niet (meer) actief in het register."))
    return group


def utcnow() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)
