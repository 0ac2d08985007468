"""Responses are compressed and the front-end files carry content-hashed names that browsers keep for a year
(issue 11): a returning visitor downloads nothing again until a file's content changes."""

import gzip
import os
import re
from pathlib import Path

import brotli
import pytest
from helpers import make_app

from geo_registry.web import assets

ASSET_URL = re.compile(r'(?:src|href)="(/(?:static|vendor)/[^"?#]+)"')


@pytest.fixture
def client(app):
    return app.test_client()


def fetch(client, url, **kwargs):
    """GET url and read the whole response (closing the file it was sent from)."""
    with client.get(url, **kwargs) as response:
        response.get_data()
        return response


def test_pages_json_scripts_and_styles_are_compressed(client):
    page = client.get("/", headers={"Accept-Encoding": "br, gzip"})
    assert page.headers["Content-Encoding"] == "br" and "Accept-Encoding" in page.headers["Vary"]
    html = brotli.decompress(page.data).decode()
    assert "</html>" in html
    plain = client.get("/").get_data(as_text=True)
    assert "Content-Encoding" not in client.get("/").headers  # a client that asks for nothing gets plain text
    assert len(page.data) < len(plain) / 2
    smallest = client.application.config["COMPRESS_MIN_SIZE"]  # below it, compressing gains nothing
    for url in ASSET_URL.findall(plain):
        if url.endswith((".js", ".css")) and len(fetch(client, url).data) >= smallest:
            response = fetch(client, url, headers={"Accept-Encoding": "gzip"})
            assert response.headers["Content-Encoding"] == "gzip", url
            assert gzip.decompress(response.data) == fetch(client, url).data
    api = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert api.headers["Content-Encoding"] == "gzip" and b'"openapi"' in gzip.decompress(api.data)


def test_every_asset_of_a_page_has_a_hashed_name_kept_for_a_year(client, app):
    urls = ASSET_URL.findall(client.get("/").get_data(as_text=True))
    assert any(u.startswith("/vendor/leaflet/") for u in urls) and any(u.startswith("/static/js/") for u in urls)
    for url in urls:
        assert re.search(r"\.[0-9a-f]{12}\.[a-z]+$", url), url
        response = fetch(client, url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_changed_file_gets_a_new_name_and_plain_or_old_names_a_short_cache(client, app, tmp_path):
    from geo_registry.web.assets import hashed_name

    (tmp_path / "site.css").write_text("body { color: black }")
    first = hashed_name(tmp_path, "site.css")
    (tmp_path / "site.css").write_text("body { color: navy }")
    assert hashed_name(tmp_path, "site.css") != first and first.startswith("site.") and first.endswith(".css")
    plain = fetch(client, "/static/js/map.js")
    stale = fetch(client, "/static/js/map.0123456789ab.js")
    for response in (plain, stale):
        assert response.status_code == 200 and response.data == plain.data
        assert response.headers["Cache-Control"] == "public, max-age=300"
    assert fetch(client, "/static/js/nothing.0123456789ab.js").status_code == 404


def open_files_under(folder) -> list[str]:
    """The files under folder that this process holds open (Linux: /proc/self/fd)."""
    held = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(folder)):
            held.append(target)
    return held


@pytest.mark.parametrize("ranged", [False, True], ids=["whole", "range"])
def test_a_file_is_closed_once_its_answer_is_made_even_if_nobody_reads_it(app, ranged):
    # A browser that leaves before the body is written never lets the server close the answer; the file must
    # not stay open until the garbage collector finds it (that left an unraisable ResourceWarning in CI).
    folder = Path(app.static_folder)
    name = next(p.relative_to(folder).as_posix() for p in sorted(folder.rglob("*.css")))
    headers = {"Range": "bytes=0-9"} if ranged else {}
    with app.test_request_context(f"/static/{name}", headers=headers):
        response = assets.send_hashed(folder, name)
        assert response.status_code == (206 if ranged else 200)
        assert open_files_under(folder) == []
        assert len(response.get_data()) == (10 if ranged else (folder / name).stat().st_size)


def test_only_answers_worth_it_are_compressed(tmp_path):
    from geo_registry.web.assets import COMPRESS_MIN_SIZE

    app = make_app(tmp_path)
    # An answer of any size: the app's own are either well below the line (API answers) or well above (pages).
    app.add_url_rule("/grootte/<int:size>", "sized", lambda size: ("<p>" + "buurt " * size)[:size])
    client = app.test_client()
    asked = {"Accept-Encoding": "br, gzip"}
    for size in (600, COMPRESS_MIN_SIZE - 1):  # compressing gains no packet
        answer = client.get(f"/grootte/{size}", headers=asked)
        assert "Content-Encoding" not in answer.headers and len(answer.data) == size
    answer = client.get(f"/grootte/{COMPRESS_MIN_SIZE}", headers=asked)
    assert answer.headers["Content-Encoding"] == "br" and len(brotli.decompress(answer.data)) == COMPRESS_MIN_SIZE
    page = client.get("/groep-aanmelden/", headers=asked)
    assert page.headers["Content-Encoding"] == "br" and len(page.data) < len(brotli.decompress(page.data)) / 3
