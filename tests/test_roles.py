"""Staff roles and municipalities in the domain (geo_registry/domain/roles.py), on SQLite and PostgreSQL: what an
account holds, changing it with an audit entry, the last active functioneel-beheerder, and a database from before
revision 0013 whose accounts keep working."""

import threading

import pytest
import sqlalchemy as sa
from alembic import command
from helpers import login, make_app, migrate

from geo_registry.domain import roles
from geo_registry.domain.roles import BELEIDSMEDEWERKER, FUNCTIONEEL_BEHEERDER, INZAGE, Access, RoleRefused
from geo_registry.domain.staff import audit_entries, authenticate, create_staff, find_staff, list_staff, set_active
from geo_registry.store import tables
from geo_registry.store.db import make_engine, upgrade
from geo_registry.store.drift import differences

pytestmark = pytest.mark.both_databases

PASSWORD = "lang-genoeg-wachtwoord"
BEL = ["GM0317", "GM0376", "GM0417"]


@pytest.fixture
def engine(db_url):
    """An engine on a fresh database at the newest schema."""
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def test_an_account_made_without_roles_is_todays_administrator(engine):
    staff_id = create_staff(engine, "eerste", PASSWORD)
    assert roles.roles_of(engine, staff_id) == Access(frozenset(roles.DEFAULT_ROLES), frozenset())
    assert roles.roles_of(engine, staff_id).roles == {BELEIDSMEDEWERKER, FUNCTIONEEL_BEHEERDER}
    assert roles.roles_of(engine, staff_id).all_gemeenten


def test_an_account_holds_its_roles_and_municipalities(engine):
    staff_id = create_staff(engine, "wijkagent", PASSWORD, [INZAGE], ["gm0376"], served=BEL)
    access = roles.roles_of(engine, staff_id)
    assert access == Access(frozenset({INZAGE}), frozenset({"GM0376"}))
    assert access.visible(BEL) == ["GM0376"]
    assert access.sees(["GM0376", "GM0417"]) and not access.sees(["GM0417"])  # a group across a border: both
    assert not access.has(BELEIDSMEDEWERKER, FUNCTIONEEL_BEHEERDER) and access.has(INZAGE)
    [row] = [r for r in list_staff(engine) if r["username"] == "wijkagent"]
    assert row["access"] == access
    assert roles.describe(access) == "inzage; GM0376"


@pytest.mark.parametrize(
    ("role_names", "codes", "message"),
    [
        ([], [], "minstens één rol"),
        (["baas"], [], "Onbekende rol: baas"),
        ([INZAGE], ["GM0402"], "Onbekende gemeente: GM0402"),  # not served
        ([INZAGE], ["Laren"], "Onbekende gemeente: LAREN"),
    ],
)
def test_unknown_roles_and_municipalities_are_refused_and_nothing_is_made(engine, role_names, codes, message):
    with pytest.raises(RoleRefused, match=message):
        create_staff(engine, "niemand", PASSWORD, role_names, codes, served=BEL)
    assert [r["username"] for r in list_staff(engine)] == []


def test_set_roles_replaces_both_and_is_audited_with_who_did_it(engine):
    create_staff(engine, "beheer", PASSWORD)
    staff_id = create_staff(engine, "anna", PASSWORD, [BELEIDSMEDEWERKER])
    access = roles.set_roles(engine, staff_id, [INZAGE, BELEIDSMEDEWERKER], ["GM0317"], "beheer", served=BEL)
    assert roles.roles_of(engine, staff_id) == access == Access(frozenset({INZAGE, BELEIDSMEDEWERKER}), {"GM0317"})
    entry = audit_entries(engine)[0]
    assert (entry["actor"], entry["action"]) == ("beheer", "rollen gewijzigd")
    assert entry["detail"] == "anna: beleidsmedewerker, inzage; GM0317"
    roles.set_roles(engine, staff_id, [INZAGE], [], "beheer")
    assert roles.roles_of(engine, staff_id) == Access(frozenset({INZAGE}))
    assert audit_entries(engine)[0]["detail"] == "anna: inzage; alle gemeenten"
    count = len(audit_entries(engine))
    roles.set_roles(engine, staff_id, [INZAGE], [], "beheer")  # nothing changes: nothing logged
    assert len(audit_entries(engine)) == count


def test_the_last_active_functioneel_beheerder_can_be_neither_demoted_nor_disabled(engine):
    only = create_staff(engine, "beheer", PASSWORD, [FUNCTIONEEL_BEHEERDER])
    with pytest.raises(RoleRefused, match="laatste actieve account met de rol functioneel beheerder"):
        roles.set_roles(engine, only, [BELEIDSMEDEWERKER], [], "beheer")
    with pytest.raises(RoleRefused, match="laatste actieve"):
        set_active(engine, "beheer", False, "beheer")
    assert roles.roles_of(engine, only).roles == {FUNCTIONEEL_BEHEERDER}
    assert find_staff(engine, "beheer")["active"] == 1
    # A second one that is disabled does not count; once enabled, either may go.
    create_staff(engine, "tweede", PASSWORD, [FUNCTIONEEL_BEHEERDER, INZAGE])
    set_active(engine, "tweede", False, "beheer")
    with pytest.raises(RoleRefused):
        set_active(engine, "beheer", False, "beheer")
    set_active(engine, "tweede", True, "beheer")
    roles.set_roles(engine, only, [BELEIDSMEDEWERKER], [], "tweede")
    with pytest.raises(RoleRefused):
        roles.set_roles(engine, find_staff(engine, "tweede")["id"], [INZAGE], [], "tweede")
    # Keeping the role while changing municipalities is no demotion.
    roles.set_roles(engine, find_staff(engine, "tweede")["id"], [FUNCTIONEEL_BEHEERDER], ["GM0417"], "tweede")


def test_two_administrators_demoting_each_other_at_once_leave_one(engine):
    first = create_staff(engine, "een", PASSWORD, [FUNCTIONEEL_BEHEERDER])
    second = create_staff(engine, "twee", PASSWORD, [FUNCTIONEEL_BEHEERDER])
    start, outcomes = threading.Barrier(2), []

    def demote(staff_id):
        start.wait()
        try:
            roles.set_roles(engine, staff_id, [INZAGE], [], "test")
            outcomes.append("done")
        except RoleRefused:
            outcomes.append("refused")

    threads = [threading.Thread(target=demote, args=(staff_id,)) for staff_id in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["done", "refused"]
    holders = [sid for sid in (first, second) if FUNCTIONEEL_BEHEERDER in roles.roles_of(engine, sid).roles]
    assert len(holders) == 1


def test_a_database_at_0012_with_accounts_upgrades_and_they_keep_working(engine, db_url, tmp_path):
    migrate(engine, command.downgrade, "0012")
    with engine.begin() as conn:
        assert not sa.inspect(conn).has_table("staff_roles")
    # Accounts as the release before made them: a row in staff, nothing else.
    create_staff_as_0012(engine, "oud", PASSWORD)
    create_staff_as_0012(engine, "ook-oud", PASSWORD)
    upgrade(engine)
    with engine.connect() as conn:
        assert differences(conn) == []
    for name in ("oud", "ook-oud"):
        access = roles.roles_of(engine, find_staff(engine, name)["id"])
        assert access == Access(frozenset({BELEIDSMEDEWERKER, FUNCTIONEEL_BEHEERDER}), frozenset())
    assert authenticate(engine, "oud", PASSWORD) is not None
    # The app on that database in the three-municipality configuration: the old account still does all it did.
    app = make_app(tmp_path, migrated=False, DATABASE_URL=db_url, GEMEENTEN=",".join(BEL))
    client = app.test_client()
    assert login(client, "oud", PASSWORD).status_code == 302
    for page in ("/beheer/", "/beheer/dekking", "/beheer/logboek", "/beheer/export/beheerders.csv"):
        assert client.get(page).status_code == 200, page


def create_staff_as_0012(engine, username: str, password: str) -> None:
    """Insert an account as revision 0012's code did (the app's create_staff would also write roles)."""
    from werkzeug.security import generate_password_hash

    from geo_registry.domain.groups import utc_now

    with engine.begin() as conn:
        conn.execute(
            tables.staff.insert().values(
                username=username, password_hash=generate_password_hash(password), created_at=utc_now()
            )
        )
