"""Tests against the app served by waitress on 127.0.0.1."""
import threading

import pytest
from waitress import create_server


@pytest.fixture
def live_url(lookup_app):
    """The populated app on a free port."""
    server = create_server(lookup_app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
