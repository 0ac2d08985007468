"""Costs that follow the change, not the register: a write nobody sees rebuilds nothing, an approved group is
answered at once, and what comes from the buurten alone is made once per process (issue 11)."""

from datetime import UTC, datetime

import pytest
from helpers import inside_shape

from geo_registry.domain import actions
from geo_registry.domain.areas import area_from_buurten
from geo_registry.domain.groups import Group, GroupStatus
from geo_registry.mail.delivery import Message
from geo_registry.web import services as app_services

pytestmark = pytest.mark.both_databases  # the version the snapshot watches lives in the database

CODES = ("BU04170324",)


def _message(*_args):
    return Message("test", "nina@voorbeeld.invalid", "s", "b")


def _register(store, buurten, name):
    """Register (pending e-mail confirmation) a group over CODES; return its id and area."""
    area = area_from_buurten(list(CODES), buurten)
    group_id, _ = actions.register(
        store, Group(None, name, area, "Nina Nieuw", "nina@voorbeeld.invalid"), lambda gid: _message()
    )
    return group_id, area


def _no_rebuild():
    pytest.fail("the public map was made again")


def test_a_write_nobody_sees_keeps_the_snapshot_and_its_map(app):
    client = app.test_client()
    assert client.get("/").status_code == 200  # makes the public map, kept with the snapshot
    with app.app_context():
        services = app_services.current()
        before = services.registry.snapshot()
        before.cached(("public", "nl"), _no_rebuild)
        pending, _ = _register(services.store, services.buurten, "Nog niet openbaar")
        actions.confirm_email(services.store, pending)
        rejected, _ = _register(services.store, services.buurten, "Wordt afgewezen")
        actions.confirm_email(services.store, rejected)
        actions.review(services.store, rejected, "staf", False, "dubbel", lambda group: _message())
        actions.purge_stale(services.store, datetime(2999, 1, 1, tzinfo=UTC))
        after = services.registry.snapshot()
        assert after is before
        after.cached(("public", "nl"), _no_rebuild)
    assert client.get("/").status_code == 200


def test_an_approved_group_is_answered_by_the_next_lookup(app):
    client = app.test_client()
    with app.app_context():
        services = app_services.current()
        first = services.registry.snapshot()
        group_id, area = _register(services.store, services.buurten, "Net goedgekeurd")
        actions.confirm_email(services.store, group_id)
        lat, lon = inside_shape(area)
        assert client.get("/api/lookup", query_string={"lat": lat, "lon": lon}).get_json()["groups"] == []
        actions.review(services.store, group_id, "staf", True, "", lambda group: _message())
        answer = client.get("/api/lookup", query_string={"lat": lat, "lon": lon}).get_json()
        assert [group["name"] for group in answer["groups"]] == ["Net goedgekeurd"]
        second = services.registry.snapshot()
        # Only the groups' part was made again: the outline and the buurten's index are the process's own.
        assert second is not first and second.base is first.base
        assert second.gemeente is first.gemeente and second.buurt_index is first.buurt_index


def test_a_change_to_an_active_group_is_seen_and_a_private_one_is_not(app):
    with app.app_context():
        services = app_services.current()
        store = services.store
        group_id, _ = _register(store, services.buurten, "Oude naam")
        actions.confirm_email(store, group_id)
        actions.review(store, group_id, "staf", True, "", lambda group: _message())
        approved = services.registry.snapshot()
        actions.edit(store, group_id, "staf", {"beheerder_phone": "0612345678"})
        assert services.registry.snapshot() is approved
        actions.edit(store, group_id, "staf", {"name": "Nieuwe naam"})
        renamed = services.registry.snapshot()
        assert [g.name for g in renamed.groups] == ["Nieuwe naam"]
        actions.set_active(store, group_id, "staf", False)
        assert services.registry.snapshot().groups == []
        actions.set_active(store, group_id, "staf", True)
        assert [g.status for g in services.registry.snapshot().groups] == [GroupStatus.ACTIVE]
        actions.delete(store, group_id, "staf")
        assert services.registry.snapshot().groups == []
