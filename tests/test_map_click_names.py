"""A map click is named after the nearest address (the local address table, then the Locatieserver's reverse
lookup under its total deadline), or after its buurt when neither names one (issue 22, point 10)."""

import time

import pytest
from fakes import FakeLocatieserver
from helpers import make_app

from geo_registry.lookup import ChainLookup
from geo_registry.lookup.local import LocalAddressSource
from geo_registry.lookup.pdok import PdokSource


def answer(app, lat, lon, lang="nl") -> str:
    return app.test_client().get(f"/antwoord?lat={lat}&lon={lon}&lang={lang}").get_data(as_text=True)


def nudged(point, metres_north=20):
    """A point some metres north of point (lat, lon)."""
    return point[0] + metres_north / 110_574, point[1]


def test_the_local_address_table_names_the_nearest_address(lookup_app, places, pdok):
    html = answer(lookup_app, *nudged(places["postiljon"]))
    assert "bij Postiljonlaan 3, 1251 PT Laren" in html
    assert "near Postiljonlaan 3, 1251 PT Laren" in answer(lookup_app, *nudged(places["postiljon"]), lang="en")
    assert not [r for r in pdok.requests if r[0] == "reverse"]  # the table knew it: no call out


@pytest.mark.both_databases
def test_local_reverse_takes_the_nearest_within_the_distance(lookup_app, places, db_url):
    from geo_registry.web import services as app_services

    with lookup_app.app_context():
        local = app_services.current().local_addresses
        assert isinstance(local, LocalAddressSource)
        assert local.reverse(*nudged(places["postiljon"], 30)).straat == "Postiljonlaan"
        assert local.reverse(*nudged(places["postiljon"], 200)) is None


def test_without_an_address_table_the_locatieserver_reverse_lookup_names_it(tmp_path, pdok, places):
    app = make_app(tmp_path, PDOK_URL=pdok.url, PDOK_TIMEOUT=1.0)
    html = answer(app, *nudged(places["postiljon"]))
    assert "bij Postiljonlaan 3, 1251 PT Laren" in html
    endpoint, params = next(r for r in pdok.requests if r[0] == "reverse")
    assert params["type"] == ["adres"] and params["rows"] == ["1"] and float(params["distance"][0]) <= 100
    assert abs(float(params["lat"][0]) - nudged(places["postiljon"])[0]) < 1e-5


@pytest.mark.parametrize("mode", ["slow", "error", "garbage"])
def test_when_the_locatieserver_does_not_answer_the_buurt_names_it_within_the_deadline(tmp_path, places, mode):
    with FakeLocatieserver([]) as server:
        server.mode, server.delay = mode, 60.0
        app = make_app(tmp_path, PDOK_URL=server.url, PDOK_TIMEOUT=1.0)
        started = time.monotonic()
        html = answer(app, *places["postiljon"])
        waited = time.monotonic() - started
    assert "in de buurt Postiljon" in html and "bij " not in html.split("Gekozen punt op de kaart:")[1][:40]
    assert waited < 20  # the 1 s deadline; a reverse call that waited for the server would take 60 s


def test_far_from_any_address_the_buurt_names_it(tmp_path, pdok, places):
    app = make_app(tmp_path, PDOK_URL=pdok.url, PDOK_TIMEOUT=1.0)
    lat, lon = nudged(places["postiljon"], 400)
    html = answer(app, lat, lon)
    assert "Gekozen punt op de kaart:" in html and "bij " not in html.split("Gekozen punt op de kaart:")[1][:40]
    assert "in de buurt " in html


def test_the_chain_asks_the_next_source_when_one_is_unavailable(pdok, places):
    class Down:
        name = "down"

        def reverse(self, lat, lon):
            from geo_registry.core.errors import AddressServiceUnavailable

            raise AddressServiceUnavailable()

    chain = ChainLookup([Down(), PdokSource(pdok.url, "GM0417", 1.0)])
    assert chain.reverse(*nudged(places["postiljon"])).straat == "Postiljonlaan"
