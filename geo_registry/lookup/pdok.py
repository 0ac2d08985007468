"""PDOK Locatieserver (the national BAG address service) as an address source."""

from __future__ import annotations

import re
import threading
import time
from itertools import count

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection

from geo_registry.core.errors import AddressNotFound, AddressServiceUnavailable
from geo_registry.core.instruments import instruments
from geo_registry.lookup.model import Address, AddressQuery, pick

POINT_RE = re.compile(r"POINT\s*\(\s*([-0-9.eE]+)\s+([-0-9.eE]+)\s*\)")
# The Locatieserver's field names mapped to ours, in one place.
FIELDS = {
    "straatnaam": "straat",
    "huisnummer": "huisnummer",
    "huisletter": "huisletter",
    "huisnummertoevoeging": "toevoeging",
    "postcode": "postcode",
    "woonplaatsnaam": "woonplaats",
    "gemeentenaam": "gemeentenaam",
}
# A map click is named after an address at most this far away (metres); further off it is named after its buurt.
REVERSE_WITHIN_M = 60
FL = " ".join([*FIELDS, "weergavenaam", "gemeentecode", "buurtcode", "wijkcode", "centroide_ll"])


def _text(value) -> str:
    """A field of an answer as text: a number as written, anything else that is not text (a list, an object,
    null) as empty, so that an odd answer is a missing field rather than a server error."""
    if isinstance(value, str):
        return value
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else ""


def doc_to_address(doc: dict) -> Address:
    """Turn one Locatieserver document into an Address (raises ValueError when it has no point)."""
    match = POINT_RE.search(_text(doc.get("centroide_ll")))
    if not match:
        raise ValueError("document zonder centroide_ll")
    values = {ours: _text(doc.get(theirs)) for theirs, ours in FIELDS.items()}
    return Address(
        straat=values["straat"] or "",
        huisnummer=int(values["huisnummer"] or 0),
        huisletter=(values["huisletter"] or "").upper(),
        toevoeging=(values["toevoeging"] or "").upper(),
        postcode=(values["postcode"] or "").replace(" ", "").upper(),
        woonplaats=values["woonplaats"] or "",
        gemeentenaam=values["gemeentenaam"] or "",
        lon=float(match.group(1)),
        lat=float(match.group(2)),
        source="pdok",
    )


class _CuttableMixin:
    """A connection that notes which call uses it, so that a watchdog can cut exactly that call."""

    call: int | None = None

    def _note_call(self) -> None:
        self.call = getattr(_calls, "current", None)
        if self.call is not None:
            with _in_flight_lock:
                _in_flight[self.call] = self

    def connect(self):
        """Connect on behalf of the calling thread's current call (TLS connects before the request)."""
        self._note_call()
        return super().connect()

    def request(self, *args, **kwargs):
        """Send the request on behalf of the calling thread's current call (a pooled connection is reused)."""
        self._note_call()
        return super().request(*args, **kwargs)


class _Connection(_CuttableMixin, HTTPConnection):
    """A plain HTTP connection that can be cut."""


class _TLSConnection(_CuttableMixin, HTTPSConnection):
    """An HTTPS connection that can be cut."""


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _TLSConnection


_calls = threading.local()
_in_flight: dict[int, _CuttableMixin] = {}
_in_flight_lock = threading.Lock()
_call_numbers = count(1)


class DeadlineAdapter(HTTPAdapter):
    """Requests' timeouts hold per socket read, so a server that trickles a byte at a time keeps a call going
    for ever. This adapter's connections can be cut from a watchdog: a call then ends at its deadline."""

    def init_poolmanager(self, *args, **kwargs):
        """Use connections that can be cut."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _TLSPool}


def _cut(call: int) -> None:
    """Shut the socket of call down (which wakes a read blocked on it), if that call still uses it."""
    with _in_flight_lock:
        connection = _in_flight.get(call)
        sock = getattr(connection, "sock", None)
        if connection is None or connection.call != call or sock is None:
            return
        try:
            sock.shutdown(2)  # socket.SHUT_RDWR
        except OSError:
            pass  # already closed


def get_within(session: requests.Session, url: str, params, limit: float) -> requests.Response:
    """GET url and read the whole answer within limit seconds in total, connect to last byte, or raise
    requests.Timeout (or another RequestException)."""
    call = next(_call_numbers)
    _calls.current = call
    watchdog = threading.Timer(limit, _cut, args=(call,))
    watchdog.daemon = True
    started = time.monotonic()
    watchdog.start()
    try:
        response = session.get(url, params=params, timeout=limit)  # reads the body too (not streamed)
    except requests.RequestException:
        if time.monotonic() - started >= limit:
            raise requests.Timeout(f"no complete answer within {limit} s") from None
        raise
    finally:
        watchdog.cancel()
        with _in_flight_lock:
            _in_flight.pop(call, None)
        _calls.current = None
    if time.monotonic() - started >= limit:  # cut at the very end, yet complete: still too late
        raise requests.Timeout(f"no complete answer within {limit} s")
    return response


class PdokSource:
    """Looks addresses up at the Locatieserver, preferring the home municipality's."""

    name = "pdok"

    def __init__(
        self,
        base_url: str,
        gemeentecode: str | list[str],
        timeout: float = 3.0,
        session: requests.Session | None = None,
        max_at_once: int = 2,
    ):
        # While the Locatieserver is slow, every lookup and every autocomplete keystroke held one of the
        # server's 4 threads for up to 3 s: 12 suggestions at once made /api/ping wait 9 s. At most max_at_once
        # calls wait on it together; a lookup beyond that is 'unavailable' at once (the map still answers).
        self._slots = threading.BoundedSemaphore(max_at_once)
        self.base_url = base_url.rstrip("/")
        codes = [gemeentecode] if isinstance(gemeentecode, str) else list(gemeentecode)
        # The Locatieserver's gemeentecode is the four digits alone; every served municipality is home.
        self.gemeentecodes = [code.upper().removeprefix("GM") for code in codes]
        self.timeout = min(float(timeout), 3.0)
        self.session = session or requests.Session()
        self.session.mount("http://", DeadlineAdapter())
        self.session.mount("https://", DeadlineAdapter())

    def _get(self, endpoint: str, params: list[tuple[str, str]]) -> dict:
        try:
            return self._answer(endpoint, params)
        except AddressServiceUnavailable:
            instruments().locatieserver_failures.labels(endpoint).inc()
            raise

    def _answer(self, endpoint: str, params: list[tuple[str, str]]) -> dict:
        if not self._slots.acquire(blocking=False):
            raise AddressServiceUnavailable()
        started = time.perf_counter()
        try:
            response = self._call_within(f"{self.base_url}/{endpoint}", params)
        finally:  # the wait for an answer, also when there was none in time
            instruments().locatieserver_seconds.labels(endpoint).observe(time.perf_counter() - started)
        try:
            response.raise_for_status()
            answer = response.json()["response"]
        except (requests.RequestException, OSError, ValueError, KeyError, TypeError) as exc:
            raise AddressServiceUnavailable() from exc
        # An answer of another shape (a list, null, docs that are not objects) is as good as no answer.
        if not isinstance(answer, dict) or not isinstance(answer.get("docs") or [], list):
            raise AddressServiceUnavailable()
        return {**answer, "docs": [doc for doc in answer.get("docs") or [] if isinstance(doc, dict)]}

    def _call_within(self, url: str, params) -> requests.Response:
        """GET url in a thread of its own that holds one of the slots until it ends; give up waiting for it at
        the deadline. The watchdog of get_within cuts a connection, but the name of the server is looked up
        before there is one: a DNS server that does not answer would otherwise hold the lookup for its own
        timeouts (30 s and more)."""
        outcome: dict = {}

        def call():
            try:
                outcome["response"] = get_within(self.session, url, params, self.timeout)
            except Exception as exc:  # handed to the waiting request below
                outcome["error"] = exc
            finally:
                self._slots.release()

        worker = threading.Thread(target=call, name="geo_registry.pdok-call", daemon=True)
        worker.start()
        worker.join(self.timeout + 0.25)
        if "response" not in outcome:
            raise AddressServiceUnavailable() from outcome.get("error")
        return outcome["response"]

    def _params(self, q: str, rows: int) -> list[tuple[str, str]]:
        # Boost, do not filter: an address elsewhere must still be found to say it lies outside.
        boosts = [("bq", f"gemeentecode:{code}^2") for code in self.gemeentecodes]
        return [("q", q), ("fq", "type:adres"), *boosts, ("fl", FL), ("rows", str(rows))]

    def find(self, query: AddressQuery) -> Address:
        """Return the address for query from the Locatieserver."""
        if query.postcode:
            params = self._params(f"{query.postcode} {query.huisnummer}", 20)
            params += [("fq", f"postcode:{query.postcode}"), ("fq", f"huisnummer:{query.huisnummer}")]
        else:
            params = self._params(query.text, 20)
        docs = self._get("free", params).get("docs") or []
        found = []
        for doc in docs:
            try:
                found.append(doc_to_address(doc))
            except (ValueError, TypeError):
                continue
        if not found:
            raise AddressNotFound()
        return pick(query, found)

    def reverse(self, lat: float, lon: float, within_m: float = REVERSE_WITHIN_M) -> Address | None:
        """Return the address nearest to (lat, lon) within within_m metres from the reverse endpoint, or None;
        AddressServiceUnavailable when it does not answer in time."""
        params = [
            ("lat", f"{lat:.6f}"),
            ("lon", f"{lon:.6f}"),
            ("type", "adres"),
            ("distance", str(int(within_m))),
            ("rows", "1"),
            ("fl", FL),
        ]
        for doc in self._get("reverse", params).get("docs") or []:
            try:
                return doc_to_address(doc)
            except (ValueError, TypeError):
                continue
        return None

    def suggest(self, text: str, limit: int = 8) -> list[str]:
        """Return display names from the Locatieserver's suggest endpoint."""
        if len(text.strip()) < 3:
            return []
        params = self._params(text.strip(), limit)
        params = [(k, v) for k, v in params if k != "fl"] + [("fl", "weergavenaam")]
        docs = self._get("suggest", params).get("docs") or []
        return [_text(d.get("weergavenaam")) for d in docs if _text(d.get("weergavenaam"))][:limit]
