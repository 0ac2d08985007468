"""Tests against the app served on 127.0.0.1 (werkzeug's threaded server, tests/helpers.served)."""

import pytest
from helpers import served

from geo_registry.web import settings as app_settings


@pytest.fixture
def live_url(lookup_app):
    """The populated app on a free port, configured with that address as its public one (as a deployment is)."""
    with served(lookup_app) as url:
        app_settings.change(lookup_app, PUBLIC_URL=url)
        yield url
