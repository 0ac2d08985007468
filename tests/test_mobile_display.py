"""Issue 22 #7: staff read a beheerder's mobile number the Dutch way (06 12345678; +31 6 12345678 on an English
page), while it is stored as before (+316xxxxxxxx)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from helpers import login, make_app

from geo_registry.core.formats import mobile
from geo_registry.domain.areas import area_from_buurten
from geo_registry.domain.groups import Group
from geo_registry.store.tables import groups
from geo_registry.web import services as app_services


@pytest.mark.parametrize(
    "stored, lang, shown",
    [
        ("+31612345678", "nl", "06 12345678"),
        ("+31612345678", "en", "+31 6 12345678"),
        ("", "nl", ""),
        (None, "nl", ""),
        ("+3161234567", "nl", "+3161234567"),  # not a stored mobile number: shown as it is
        ("+32470123456", "en", "+32470123456"),
        ("0612345678", "nl", "0612345678"),
    ],
)
def test_a_stored_mobile_number_as_people_write_it(stored, lang, shown):
    assert mobile(stored, lang) == shown


@pytest.mark.parametrize("lang, shown", [("nl", "06\u00a087654321"), ("en", "+31\u00a06\u00a087654321")])
def test_the_group_page_shows_the_number_the_dutch_way_and_stores_it_as_before(tmp_path, lang, shown):
    app = make_app(tmp_path)
    with app.app_context():
        store = app_services.current().store
        area = area_from_buurten(["BU04170324"], app_services.current().buurten)
        group_id = store.add(Group(None, "Postiljon", area, "Bea", "bea@voorbeeld.invalid", "+31687654321"))
        with store.engine.connect() as conn:
            stored = conn.execute(sa.select(groups.c.beheerder_phone).where(groups.c.id == group_id)).scalar_one()
    assert stored == "+31687654321"
    runner = app.test_cli_runner()
    assert "aangemaakt" in runner.invoke(args=["create-staff", "bel", "--password", "lang-genoeg-wachtwoord"]).output
    client = app.test_client()
    login(client, "bel", "lang-genoeg-wachtwoord")
    page = client.get(f"/beheer/groep/{group_id}?lang={lang}").get_data(as_text=True)
    assert f"<dd>{shown}</dd>" in page and "+31687654321" not in page
