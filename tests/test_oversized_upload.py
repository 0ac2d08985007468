"""A file over the limit gets the app's own page in the visitor's language, also when served by `geo-registry
serve` (gunicorn; before, under waitress: a bare English 'Request Entity Too Large' over 2 MB + 64 kB)."""

import pytest
import requests
from gunicorn_process import serving
from helpers import make_app, served


@pytest.mark.slow
@pytest.mark.parametrize("megabytes", [3, 12])
def test_an_oversized_upload_is_refused_in_the_visitors_language(tmp_path, megabytes):
    with serving(tmp_path, "--workers", "1") as server:
        base = server.base
        for language, message in (
            ("nl", "Het bestand is te groot (hoogstens 2 MB)."),
            ("en", "The file is too large (at most 2 MB)."),
        ):
            response = requests.post(
                f"{base}/groep-aanmelden/?lang={language}",
                files={"gebied_bestand": ("kaart.geojson", b" " * (megabytes * 1024 * 1024))},
                data={"naam": "Groot"},
                timeout=60,
            )
            assert response.status_code == 413
            assert message in response.text, response.text[:200]


@pytest.mark.slow
def test_an_area_drawn_with_too_many_points_is_named_as_such(tmp_path):
    app = make_app(tmp_path)
    with served(app) as base:
        for language, message in (
            ("nl", "Het getekende gebied is te groot (hoogstens 500 kB)."),
            ("en", "The drawn area is too large (at most 500 kB)."),
        ):
            # 600 kB in the drawn-area field of the (multipart) registration form, as a browser sends it: the
            # request is well under 2 MB, the field is not under 500 kB.
            response = requests.post(
                f"{base}/groep-aanmelden/?lang={language}",
                timeout=60,
                data={"naam": "Groot", "gebied_getekend": "1" * 600_000},
                files={"gebied_bestand": ("", b"")},
            )
            assert response.status_code == 413
            assert message in response.text and "2 MB" not in response.text, response.text[:200]
