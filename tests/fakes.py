"""A real HTTP server on 127.0.0.1 that answers in the PDOK Locatieserver format."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


def pdok_doc(
    straat,
    huisnummer,
    postcode,
    woonplaats,
    lat,
    lon,
    huisletter="",
    toevoeging="",
    gemeentenaam="Laren",
    gemeentecode="0417",
):
    """Build one Locatieserver address document as the service returns it."""
    house = f"{huisnummer}{huisletter}" + (f"-{toevoeging}" if toevoeging else "")
    doc = {
        "type": "adres",
        "weergavenaam": f"{straat} {house}, {postcode} {woonplaats}",
        "straatnaam": straat,
        "huisnummer": huisnummer,
        "postcode": postcode,
        "woonplaatsnaam": woonplaats,
        "gemeentenaam": gemeentenaam,
        "gemeentecode": gemeentecode,
        "buurtcode": "BU04170320",
        "wijkcode": "WK041703",
        "centroide_ll": f"POINT({lon} {lat})",
        "centroide_rd": "POINT(143000 474000)",
    }
    if huisletter:
        doc["huisletter"] = huisletter
    if toevoeging:
        doc["huisnummertoevoeging"] = toevoeging
    return doc


class FakeLocatieserver:
    """Serves /free and /suggest over a list of documents; mode 'slow', 'error' or 'garbage' misbehaves, and
    'trickle' (the body) or 'trickle_headers' sends one byte every `delay` seconds. Waits end when it stops, so
    that a test can give the misbehaviour minutes (far beyond any limit it checks) at no cost."""

    def __init__(self, docs=None):
        self.docs = list(docs or [])
        self.mode = "normal"
        self.delay = 5.0
        self.requests: list[tuple[str, dict]] = []
        self.paths: list[str] = []  # the path of each request as it arrived
        self.stopping = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/bzk/locatieserver/search/v3_1"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def search(self, endpoint: str, params: dict) -> list[dict]:
        """Filter the documents the way the real service's fq and q parameters do, roughly."""
        docs = self.docs
        for fq in params.get("fq", []):
            key, _, value = fq.partition(":")
            if key != "type":
                docs = [
                    d for d in docs if str(d.get(key, "")).replace(" ", "").lower() == value.replace(" ", "").lower()
                ]
        words = [w.strip(",").lower() for w in params.get("q", [""])[0].split()]
        if not any(fq.startswith(("postcode", "huisnummer")) for fq in params.get("fq", [])):
            docs = [d for d in docs if any(w and w in d["weergavenaam"].lower() for w in words)]
        rows = int(params.get("rows", ["10"])[0])
        # The home municipalities first, as the bq boosts ask (one bq per served municipality).
        boosts = {b.split(":")[1].split("^")[0] for b in params.get("bq", []) if b.startswith("gemeentecode")}
        docs = sorted(docs, key=lambda d: d.get("gemeentecode") not in boosts)
        return docs[:rows]

    def reverse(self, params: dict) -> list[dict]:
        """The documents nearest to lat/lon within distance metres, nearest first, each with its 'afstand' (metres),
        as the real /reverse endpoint answers."""
        import math

        lat, lon = float(params["lat"][0]), float(params["lon"][0])
        limit = float(params.get("distance", ["1000000"])[0])
        found = []
        for doc in self.docs:
            x, y = (float(v) for v in doc["centroide_ll"][6:-1].split())
            metres = math.hypot((x - lon) * 111_320 * math.cos(math.radians(lat)), (y - lat) * 110_574)
            if metres <= limit:
                found.append({**doc, "afstand": round(metres, 1)})
        found.sort(key=lambda d: d["afstand"])
        return found[: int(params.get("rows", ["10"])[0])]

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                parsed = urlparse(self.path)
                params = parse_qs(parsed.query)
                endpoint = parsed.path.rsplit("/", 1)[-1]
                fake.requests.append((endpoint, params))
                fake.paths.append(parsed.path)
                if fake.mode == "slow":
                    fake.stopping.wait(fake.delay)
                if fake.mode == "error":
                    self._send(500, b'{"message": "internal error"}')
                    return
                if fake.mode == "garbage":
                    self._send(200, b"<html>onderhoud</html>", "text/html")
                    return
                if fake.mode.startswith("trickle"):
                    # Padded (JSON allows trailing white space) so that the whole answer takes a minute at 0.1 s a
                    # byte: a limit that does not hold shows as a wait far beyond any bound a test allows.
                    self._trickle(json.dumps({"response": {"numFound": 0, "docs": []}}).encode() + b" " * 600)
                    return
                docs = fake.reverse(params) if endpoint == "reverse" else fake.search(endpoint, params)
                if endpoint == "suggest":
                    docs = [
                        {"weergavenaam": d["weergavenaam"], "type": "adres", "id": str(i)} for i, d in enumerate(docs)
                    ]
                body = {
                    "response": {
                        "numFound": len(docs),
                        "start": 0,
                        "maxScore": 10.0,
                        "numFoundExact": True,
                        "docs": docs,
                    }
                }
                self._send(200, json.dumps(body).encode())

            def _trickle(self, body):
                """A valid answer, one byte at a time: each read is quick, the whole takes for ever."""
                head = (
                    f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    f"X-Padding: {'x' * 200}\r\nContent-Length: {len(body)}\r\n\r\n"
                ).encode()
                if fake.mode == "trickle":
                    self.wfile.write(head)
                    head = b""
                try:
                    for byte in head + body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        if fake.stopping.wait(fake.delay):
                            break
                except OSError:
                    pass  # the client gave up
                self.close_connection = True

            def _send(self, status, body, ctype="application/json"):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        return Handler


class _SMTPHandler:
    """aiosmtpd's handler for FakeSMTP."""

    def __init__(self, fake):
        self.fake = fake

    async def handle_DATA(self, server, session, envelope):
        """Keep the message, or refuse it when failing; the first message to an address in fake.stall is kept and
        then not answered until fake.released is set (a sender killed meanwhile never hears it arrived)."""
        if self.fake.fail:
            return "451 4.3.0 Tijdelijk niet beschikbaar"
        import asyncio
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        self.fake._messages.append(message)
        stalled = getattr(self.fake, "stall", set()) & set(envelope.rcpt_tos)
        if stalled:
            self.fake.stall -= stalled
            self.fake.stalled.set()
            while not self.fake.released.is_set():
                await asyncio.sleep(0.05)
        return "250 OK"


def _tracking_controller(handler, **kwargs):
    """aiosmtpd's Controller that remembers its connections, so that stopping it closes them first (a connection
    still open when its loop stops is garbage-collected later as an 'unclosed transport' warning in another test).
    It listens on a port the system picks as it binds (its `port` once started): a port probed beforehand could be
    taken meanwhile by a server of another test process."""
    import asyncio

    from aiosmtpd.controller import Controller

    class TrackingController(Controller):
        def __init__(self, *args, **kw):
            super().__init__(*args, **kw)
            self.sessions = []

        def factory(self):
            server = super().factory()
            self.sessions.append(server)
            return server

        async def _create_server(self):
            server = await self.loop.create_server(
                self._factory_invoker, host=self.hostname, port=0, ssl=self.ssl_context
            )
            self.port = server.sockets[0].getsockname()[1]  # before start() connects to it
            return server

        def stop(self, *args, **kw):
            async def close_all():
                for server in self.sessions:
                    if server.transport is not None:
                        server.transport.close()
                await asyncio.sleep(0.05)  # let connection_lost run

            if self.loop.is_running():
                asyncio.run_coroutine_threadsafe(close_all(), self.loop).result(timeout=5)
            super().stop(*args, **kw)

    return TrackingController(handler, **kwargs)


class FakeSMTP:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what arrives; fail=True refuses mail.
    The app's worker process delivers after the request: reading what arrived first runs (settle) the worker's
    delivery job in the test's process."""

    def __init__(self):
        self._messages = []
        self.fail = False
        self.settle = lambda: None  # the mail_app fixture plugs in the worker's delivery job
        self.stall: set[str] = set()  # addresses whose first message is kept but answered only once released
        self.stalled, self.released = threading.Event(), threading.Event()
        # A handler of its own: aiosmtpd inspects every member of its handler, which would run `messages`.
        self.controller = _tracking_controller(_SMTPHandler(self), hostname="127.0.0.1")

    @property
    def port(self) -> int:
        """The port the server listens on (once started)."""
        return self.controller.port

    @property
    def messages(self):
        """Every message that arrived, once the app's worker has delivered what was queued."""
        self.settle()
        return self._messages

    def to(self, address: str):
        """Return the messages sent to address."""
        return [m for m in self.messages if address in m["To"]]

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.released.set()  # a held message is answered, so that its connection can close
        self.controller.stop()


class SilentSMTP:
    """A TCP server on 127.0.0.1 that accepts connections and never answers (no greeting): a stuck mail server."""

    def __init__(self):
        import socket

        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.listener.settimeout(0.05)
        self.accepted = []
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):

        while not self.stopping:
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.accepted.append(connection)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping = True
        self.thread.join()
        self.listener.close()
        for connection in self.accepted:
            connection.close()
