"""The municipalities a staff account works for, applied to what the staff pages show (issue 20): where several
are served, an account that names some sees only their groups and buurten. A group whose area crosses a border
belongs to each municipality it lies in. A group outside the account's municipalities is a 404 for it, as if it
did not exist, on every route that names it (group_id, or the group of a proposed change)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, request
from flask_login import current_user

from geo_registry.core.geometry import area_m2
from geo_registry.domain.roles import FUNCTIONEEL_BEHEERDER
from geo_registry.spatial.gemeenten import MIN_SHARE_M2, Served
from geo_registry.store.tables import group_changes
from geo_registry.web import services as app_services
from geo_registry.web.staff.policy import current_access, is_staff_path


def codes() -> list[str] | None:
    """The served municipality codes this request's account works for; None when that is all of them (then
    nothing needs filtering)."""
    served = app_services.served().codes
    visible = current_access().visible(served)
    return None if len(visible) == len(served) else visible


def served() -> Served:
    """The served municipalities this request's account works for (all of them: the deployment's own)."""
    everything, visible = app_services.served(), codes()
    if visible is None:
        return everything
    return Served(tuple(g for g in everything.gemeenten if g.code in visible), everything.regio_naam)


def gemeenten_of(area) -> set[str]:
    """The served municipalities an area lies in (more than a shared edge), from the current buurten."""
    outlines = app_services.current().registry.snapshot().base.gemeenten
    return {
        code
        for code, outline in outlines.items()
        if outline.intersects(area) and area_m2(area.intersection(outline)) > MIN_SHARE_M2
    }


def sees(group) -> bool:
    """True when this request's account works for a municipality this group lies in."""
    visible = codes()
    return visible is None or bool(gemeenten_of(group.area) & set(visible))


def groups(items: list) -> list:
    """The groups of items this request's account works for."""
    return items if codes() is None else [item for item in items if sees(item)]


def buurten_items(items: list) -> list:
    """The coverage items (or anything with .buurt) in this request's account's municipalities."""
    visible = codes()
    return items if visible is None else [item for item in items if item.buurt.gemeentecode in visible]


def audit_entries(entries: list[dict]) -> list[dict]:
    """The audit entries this request's account may read: all for an account of every municipality; otherwise
    those about groups it works for that still exist, and (for a functioneel-beheerder) those about no group."""
    if codes() is None:
        return entries
    store, accounts = app_services.current().store, current_access().has(FUNCTIONEEL_BEHEERDER)
    shown: dict[int, bool] = {}

    def readable(entry: dict) -> bool:
        group_id = entry["group_id"]
        if group_id is None:
            return accounts
        if group_id not in shown:
            group = store.get(group_id)
            shown[group_id] = group is not None and sees(group)
        return shown[group_id]

    return [entry for entry in entries if readable(entry)]


def _group_named() -> int | None:
    """The group the current request's route names: its group_id, or the group of the change it names."""
    args = request.view_args or {}
    if "group_id" in args:
        return args["group_id"]
    if "change_id" in args:
        with app_services.current().store.engine.connect() as conn:
            return conn.execute(
                sa.select(group_changes.c.group_id).where(group_changes.c.id == args["change_id"])
            ).scalar()
    return None


def enforce():
    """Before a staff route that names a group: 404 when the group lies outside the account's municipalities."""
    if not is_staff_path(request.path) or not current_user.is_authenticated or codes() is None:
        return None
    group_id = _group_named()
    if group_id is None:
        return None
    group = app_services.current().store.get(group_id)
    if group is not None and not sees(group):
        abort(404)
    return None


def init_app(app) -> None:
    """Check every staff route that names a group (after the role policy: a refused role is told first)."""
    app.before_request(enforce)
