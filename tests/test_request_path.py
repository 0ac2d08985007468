"""The request path does only the work a response needs (issue 11): the security headers are prepared once per
app, and the server writes no log line per request that nobody reads."""
import logging
import threading

from geo_registry.web import headers
from helpers import make_app


def test_the_security_headers_are_prepared_once_per_app(tmp_path, monkeypatch):
    made = []

    def counted(config, nonce=None):
        made.append(nonce)
        return policy(config, nonce)

    policy = headers.content_security_policy
    monkeypatch.setattr(headers, "content_security_policy", counted)
    client = make_app(tmp_path, TILES="pdok").test_client()
    pages = [client.get(url) for url in ("/", "/api/ping", "/overzicht", "/bestaat-niet", "/")]
    assert len(made) == 1
    nonces = [page.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0] for page in pages
              if "'nonce-" in page.headers["Content-Security-Policy"]]
    assert len(nonces) >= 2 and len(set(nonces)) == len(nonces)  # each page still its own nonce
    config = client.application.config
    for page in pages:
        sent = page.headers["Content-Security-Policy"]
        nonce = sent.split("'nonce-")[1].split("'")[0] if "'nonce-" in sent else None
        assert sent == policy(config, nonce)
        assert page.headers["X-Content-Type-Options"] == "nosniff" and page.headers["X-Frame-Options"] == "DENY"


class WaitingTask:
    """Stands for a request that holds the server's one thread until it is released."""

    def __init__(self, release: threading.Event):
        self.release = release

    def service(self):
        self.release.wait(10)

    def cancel(self):
        self.release.set()


def test_requests_waiting_for_a_thread_write_no_log_line(tmp_path, caplog):
    from geo_registry.serving import make_server

    server = make_server(make_app(tmp_path), host="127.0.0.1", port=0, threads=1)
    release = threading.Event()
    try:
        with caplog.at_level(logging.DEBUG):
            for _ in range(4):  # one is served, three wait in the queue
                server.task_dispatcher.add_task(WaitingTask(release))
        assert [record.getMessage() for record in caplog.records] == []
    finally:
        release.set()
        server.close()
        server.task_dispatcher.shutdown()
