"""The Locatieserver adapter against a real HTTP server on 127.0.0.1 speaking its format."""

import threading
import time

import pytest

from geo_registry.core.errors import AddressAmbiguous, AddressNotFound, AddressServiceUnavailable
from geo_registry.lookup import AddressQuery, ChainLookup
from geo_registry.lookup.pdok import PdokSource, doc_to_address


@pytest.fixture
def source(pdok):
    return PdokSource(pdok.url, "GM0417", timeout=1.0)


def test_postcode_lookup_asks_for_addresses_and_prefers_laren(source, pdok, places):
    found = source.find(AddressQuery.from_fields("1251 KV", "12"))
    assert (found.weergavenaam, found.source) == ("Brink 12, 1251 KV Laren", "pdok")
    assert (found.lat, found.lon) == pytest.approx(places["centrum"])  # POINT(lon lat): longitude first
    endpoint, params = pdok.requests[-1]
    assert endpoint == "free"
    assert "type:adres" in params["fq"] and "postcode:1251KV" in params["fq"] and "huisnummer:12" in params["fq"]
    assert params["bq"] == ["gemeentecode:0417^2"]


def test_free_text_and_an_address_elsewhere(source):
    assert source.find(AddressQuery.from_text("Brink 12 Laren")).woonplaats == "Laren"
    deventer = source.find(AddressQuery.from_text("Brink 12 Deventer"))
    assert (deventer.woonplaats, deventer.gemeentenaam) == ("Deventer", "Deventer")
    with pytest.raises(AddressAmbiguous) as caught:
        source.find(AddressQuery.from_text("Brink 12"))
    assert sorted(c.woonplaats for c in caught.value.candidates) == ["Deventer", "Laren"]


def test_not_found_and_ambiguous(source):
    with pytest.raises(AddressNotFound):
        source.find(AddressQuery.from_fields("9999ZZ", "1"))
    with pytest.raises(AddressAmbiguous):
        source.find(AddressQuery.from_fields("1251KV", "14"))


# Timed tests give the server's misbehaviour a minute and allow the lookup many times its limit (0.3 to 1 s, and
# a quarter second of grace): a loaded machine cannot fail them, a limit that does not hold still does.
GENEROUS = 10.0


def test_slow_answer_is_unavailable_within_the_timeout(pdok):
    pdok.mode, pdok.delay = "slow", 60.0
    source = PdokSource(pdok.url, "GM0417", timeout=0.3)
    started = time.monotonic()
    with pytest.raises(AddressServiceUnavailable):
        source.find(AddressQuery.from_fields("1251KV", "12"))
    assert time.monotonic() - started < GENEROUS


@pytest.mark.parametrize("mode", ["trickle", "trickle_headers"])
def test_a_trickling_server_is_unavailable_within_the_limit_in_total(pdok, mode):
    # Each byte comes well within the limit (a tenth of it); the whole answer would take a minute.
    pdok.mode, pdok.delay = mode, 0.1
    source = PdokSource(pdok.url, "GM0417", timeout=1.0)
    started = time.monotonic()
    with pytest.raises(AddressServiceUnavailable):
        source.find(AddressQuery.from_fields("1251KV", "12"))
    assert time.monotonic() - started < GENEROUS
    pdok.mode = "normal"  # the cut connection is not reused: the next lookup is answered
    assert source.find(AddressQuery.from_fields("1251KV", "12")).woonplaats == "Laren"


def test_timeout_is_never_more_than_three_seconds(pdok):
    assert PdokSource(pdok.url, "GM0417", timeout=30).timeout == 3.0


@pytest.mark.parametrize("mode", ["error", "garbage"])
def test_error_answers_are_unavailable(source, pdok, mode):
    pdok.mode = mode
    with pytest.raises(AddressServiceUnavailable):
        source.find(AddressQuery.from_fields("1251KV", "12"))


def test_unreachable_server_is_unavailable():
    source = PdokSource("http://127.0.0.1:9/locatieserver", "GM0417", timeout=0.5)
    with pytest.raises(AddressServiceUnavailable):
        source.find(AddressQuery.from_fields("1251KV", "12"))


def test_suggest_uses_the_suggest_endpoint(source, pdok):
    assert "Brink 12, 1251KV Laren" in source.suggest("Brink")
    assert pdok.requests[-1][0] == "suggest"
    pdok.mode = "error"
    assert ChainLookup([source]).suggest("Brink") == []


def test_document_mapping():
    doc = {
        "straatnaam": "Brink",
        "huisnummer": 3,
        "huisletter": "a",
        "huisnummertoevoeging": "2",
        "postcode": "1251KV",
        "woonplaatsnaam": "Laren",
        "gemeentenaam": "Laren",
        "centroide_ll": "POINT(5.2261 52.2565)",
    }
    address = doc_to_address(doc)
    assert (address.house, address.lat, address.lon) == ("3A-2", 52.2565, 5.2261)
    with pytest.raises(ValueError):
        doc_to_address({"straatnaam": "Brink"})


class Broken:
    name = "kapot"

    def __init__(self, error):
        self.error = error

    def find(self, query):
        raise self.error

    def suggest(self, text, limit=8):
        raise self.error


def test_chain_falls_through_not_found_and_reports_unavailable(source):
    query = AddressQuery.from_fields("1251KV", "12")
    assert ChainLookup([Broken(AddressNotFound()), source]).find(query).source == "pdok"
    assert ChainLookup([Broken(AddressServiceUnavailable()), source]).find(query).source == "pdok"
    with pytest.raises(AddressServiceUnavailable):
        ChainLookup([Broken(AddressNotFound()), Broken(AddressServiceUnavailable())]).find(query)
    with pytest.raises(AddressNotFound):
        ChainLookup([Broken(AddressNotFound())]).find(query)


class Listing:
    """A source that knows these display names (an address source without a server behind it)."""

    name = "lijst"

    def __init__(self, names):
        self.names = names

    def find(self, query):
        raise AddressNotFound()

    def suggest(self, text, limit=8):
        return [name for name in self.names if name.startswith(text)][:limit]


def test_chain_suggests_from_the_first_source_that_has_some():
    """Autocomplete (/api/suggest) skips a source that is down or knows nothing and shows at most 8 names,
    or as many as the caller asks for."""
    names = [f"Brink {n}, 1251 KV Laren" for n in range(1, 13)]
    chain = ChainLookup([Broken(AddressServiceUnavailable()), Listing([]), Listing(names), Listing(["Brink 99"])])
    assert chain.suggest("Brink") == names[:8]
    assert chain.suggest("Brink 1", 3) == [
        "Brink 1, 1251 KV Laren",
        "Brink 10, 1251 KV Laren",
        "Brink 11, 1251 KV Laren",
    ]
    assert ChainLookup([Broken(AddressServiceUnavailable()), Listing([])]).suggest("Brink") == []


def answers_again_within(source, seconds: float) -> None:
    """Ask source for an address until it answers; fail if the only place is still held after seconds (the
    trickling call was not cut)."""
    give_up = time.monotonic() + seconds
    while True:
        try:
            assert source.find(AddressQuery.from_fields("1251KV", "12")).woonplaats == "Laren"
            return
        except AddressServiceUnavailable:
            assert time.monotonic() < give_up, "the trickling call still holds the only place"
            time.sleep(0.1)


def test_a_cut_trickling_call_frees_its_place_for_the_next_lookup(pdok):
    """The watchdog cuts the trickling connection at the deadline, so the call ends and frees its place: with one
    place, the next lookup is answered again (without the cut the trickle would hold it for minutes)."""
    pdok.mode, pdok.delay = "trickle_headers", 0.1  # about 30 s for the whole answer
    source = PdokSource(pdok.url, "GM0417", timeout=0.5, max_at_once=1)
    with pytest.raises(AddressServiceUnavailable):
        source.find(AddressQuery.from_fields("1251KV", "12"))
    pdok.mode = "normal"
    answers_again_within(source, 5.0)  # generous: the cut comes at 0.5 s


def test_a_document_with_missing_fields_gives_empty_ones_and_addresses_as_written_on_the_door():
    bare = doc_to_address({"centroide_ll": "POINT(5.2261 52.2565)"})
    assert (
        bare.straat,
        bare.huisnummer,
        bare.huisletter,
        bare.toevoeging,
        bare.postcode,
        bare.woonplaats,
        bare.gemeentenaam,
    ) == ("", 0, "", "", "", "", "")
    spaced = doc_to_address(
        {
            "centroide_ll": "POINT(5.2261 52.2565)",
            "huisnummer": 10,
            "huisnummertoevoeging": "bis",
            "postcode": "1251 kv",
        }
    )
    assert (spaced.toevoeging, spaced.postcode, spaced.house) == ("BIS", "1251KV", "10-BIS")


def test_suggestions_start_at_three_characters_and_ask_only_for_the_display_name(source, pdok):
    assert source.suggest("Br") == [] and not pdok.requests
    assert source.suggest("Bri")
    endpoint, params = pdok.requests[-1]
    assert endpoint == "suggest" and params["fl"] == ["weergavenaam"] and params["q"] == ["Bri"]


def test_a_document_without_a_point_is_skipped_and_the_next_one_used(pdok_docs):
    from fakes import FakeLocatieserver

    pointless = {**pdok_docs[0], "centroide_ll": None}
    with FakeLocatieserver([pointless, *pdok_docs]) as server:
        found = PdokSource(server.url, "GM0417", timeout=1.0).find(AddressQuery.from_fields("1251KV", "12"))
    assert found.weergavenaam == "Brink 12, 1251 KV Laren"


def test_a_lookup_asks_for_twenty_addresses_and_the_fields_it_reads(source, pdok):
    from geo_registry.lookup.pdok import FIELDS

    source.find(AddressQuery.from_fields("1251KV", "12"))
    _, params = pdok.requests[-1]
    assert params["rows"] == ["20"] and set(FIELDS) | {"centroide_ll"} <= set(params["fl"][0].split())


@pytest.fixture
def https_pdok(pdok_docs, tmp_path, monkeypatch):
    """The fake Locatieserver over HTTPS, with a self-signed certificate for 127.0.0.1 that requests trusts
    through REQUESTS_CA_BUNDLE (the production Locatieserver is HTTPS)."""
    import ssl
    import subprocess

    from fakes import FakeLocatieserver

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with FakeLocatieserver(pdok_docs) as server:
        server.server.socket = context.wrap_socket(server.server.socket, server_side=True)
        server.url = server.url.replace("http://", "https://")
        yield server


def test_a_cut_trickling_https_call_frees_its_place_for_the_next_lookup(https_pdok):
    """The same over HTTPS, as the real Locatieserver speaks: its connections can be cut at the deadline too."""
    source = PdokSource(https_pdok.url, "GM0417", timeout=0.5, max_at_once=1)
    assert source.find(AddressQuery.from_fields("1251KV", "12")).woonplaats == "Laren"  # the certificate is trusted
    https_pdok.mode, https_pdok.delay = "trickle_headers", 0.1  # about 30 s for the whole answer
    with pytest.raises(AddressServiceUnavailable):
        source.find(AddressQuery.from_fields("1251KV", "12"))
    https_pdok.mode = "normal"
    answers_again_within(source, 5.0)


def test_a_name_lookup_that_does_not_answer_is_unavailable_within_the_limit(pdok, monkeypatch):
    """The watchdog cuts a connection, but the server's name is looked up before there is one: a DNS server that
    does not answer (the system's resolver waits 30 s and more) must not hold the resident's lookup past the
    limit. Only the resolver's answer for one name is held back; the rest is the real stack and server."""
    import socket

    answer, resolve = threading.Event(), socket.getaddrinfo

    def stalled(host, *args, **kwargs):
        if host == "locatieserver.test":
            answer.wait(60.0)  # then resolves, so that a lookup waiting for it ends
            host = "127.0.0.1"
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", stalled)
    source = PdokSource(pdok.url.replace("127.0.0.1", "locatieserver.test"), "GM0417", timeout=0.05)
    started = time.monotonic()
    try:
        with pytest.raises(AddressServiceUnavailable):
            source.find(AddressQuery.from_fields("1251KV", "12"))
        # The limit and its quarter second of grace (0.3 s), with a generous margin for a loaded machine.
        assert time.monotonic() - started < GENEROUS
    finally:
        answer.set()


def test_a_short_limit_still_gets_a_quick_answer(pdok):
    """A limit below a quarter of a second (PDOK_TIMEOUT) still waits that long for the answer: a local server
    answers within it."""
    source = PdokSource(pdok.url, "GM0417", timeout=0.25)
    assert source.find(AddressQuery.from_fields("1251KV", "12")).woonplaats == "Laren"


def test_two_lookups_wait_on_the_locatieserver_together_and_a_third_is_refused_at_once(pdok):
    """While the Locatieserver is slow, at most two lookups (the default) wait on it; a third is 'unavailable'
    without asking it, so that the server's own threads stay free for the map."""
    pdok.mode, pdok.delay = "slow", 3.0
    source = PdokSource(pdok.url, "GM0417", timeout=2.0)
    outcomes = []

    def look_up():
        try:
            source.find(AddressQuery.from_fields("1251KV", "12"))
        except AddressServiceUnavailable as error:
            outcomes.append(error)

    waiting = [threading.Thread(target=look_up) for _ in range(2)]
    for thread in waiting:
        thread.start()
    give_up = time.monotonic() + 5.0
    while len(pdok.requests) < 2:  # both are at the server (it answers after 3 s, they give up after 2)
        assert time.monotonic() < give_up, "the two lookups did not both reach the server"
        time.sleep(0.01)
    with pytest.raises(AddressServiceUnavailable):
        source.find(AddressQuery.from_fields("1251KV", "12"))
    for thread in waiting:
        thread.join()
    assert len(outcomes) == 2 and len(pdok.requests) == 2, "the third lookup asked the server"


def test_a_base_url_with_a_trailing_slash_asks_the_same_path(pdok):
    """PDOK_URL may be written with a slash at the end; the request goes to the service's path all the same."""
    source = PdokSource(pdok.url + "/", "GM0417", timeout=1.0)
    assert source.find(AddressQuery.from_fields("1251KV", "12")).woonplaats == "Laren"
    assert pdok.paths == ["/bzk/locatieserver/search/v3_1/free"]


def test_finished_calls_leave_nothing_behind(pdok):
    """A call notes its connection so that the watchdog can cut it; once the call has ended, answered, refused
    or cut, nothing of it is kept (else a long-running site would keep a connection per lookup, for ever)."""
    from geo_registry.lookup import pdok as module

    source = PdokSource(pdok.url, "GM0417", timeout=0.5)
    source.find(AddressQuery.from_fields("1251KV", "12"))
    pdok.mode = "error"
    with pytest.raises(AddressServiceUnavailable):
        source.find(AddressQuery.from_fields("1251KV", "12"))
    pdok.mode, pdok.delay = "trickle_headers", 0.1
    with pytest.raises(AddressServiceUnavailable):
        source.find(AddressQuery.from_fields("1251KV", "12"))
    give_up = time.monotonic() + 5.0  # the cut call's thread ends just after the cut (0.5 s)
    while module._in_flight:
        assert time.monotonic() < give_up, f"calls kept after they ended: {module._in_flight}"
        time.sleep(0.05)
