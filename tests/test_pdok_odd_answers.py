"""A Locatieserver answer of an unexpected shape (a proxy's error page in JSON, a changed format) means the
address service is unavailable for that lookup (503, 'klik op de kaart'), or that the address was not found;
never a server error. Served by a real HTTP server on 127.0.0.1."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from helpers import make_app

POINT = "POINT(5.2262 52.2566)"
ODD_ANSWERS = {
    "response is a list": {"response": []},
    "response is null": {"response": None},
    "docs is an object": {"response": {"docs": {"a": 1}}},
    "docs are not objects": {"response": {"docs": ["x", 5, None]}},
    "fields are lists and objects": {
        "response": {
            "docs": [{"centroide_ll": POINT, "huisnummer": 12, "postcode": ["1251KV"], "straatnaam": {"a": 1}}]
        }
    },
    "fields are numbers": {
        "response": {
            "docs": [
                {
                    "centroide_ll": POINT,
                    "huisnummer": "12",
                    "postcode": 1251,
                    "straatnaam": 7,
                    "huisletter": 5,
                    "weergavenaam": {"x": 1},
                }
            ]
        }
    },
    "the point is a number": {"response": {"docs": [{"centroide_ll": 5, "huisnummer": 12}]}},
}


@pytest.fixture(scope="module")
def odd_server():
    """A Locatieserver that answers whatever `odd_server.answer` holds."""
    state = {"answer": None}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body = json.dumps(state["answer"]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}/locatieserver"
    yield state
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("kind", list(ODD_ANSWERS))
def test_an_odd_answer_is_unavailable_or_not_found_never_a_500(tmp_path, odd_server, kind):
    # Before: AttributeError/TypeError escaped the adapter: 500 on /, /antwoord and /api/lookup.
    odd_server["answer"] = ODD_ANSWERS[kind]
    app = make_app(tmp_path, PDOK_URL=odd_server["url"], PDOK_TIMEOUT=1.0, PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    for url in (
        "/api/lookup?q=Brink+12+Laren",
        "/api/lookup?postcode=1251KV&huisnummer=12",
        "/?q=Brink+12+Laren",
        "/antwoord?q=Brink+12+Laren&lang=en",
    ):
        response = client.get(url)
        assert response.status_code in (404, 503), (url, response.status_code)
    assert client.get("/api/suggest?q=Brink").status_code == 200
