"""A request asks the file system nothing that the process already knows (issue 24): the content-hashed names of
/static and /vendor files are made once per app start, the information pages' files are looked at at most once a
second; a registration (form, post, 'sent' page) makes no stat() call at all once a process has served one."""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from types import SimpleNamespace

import pytest
from helpers import csrf_token, make_app

from geo_registry.core.config import ROOT
from geo_registry.spatial import register as register_module
from geo_registry.web import content
from geo_registry.web.assets import hashed_name, vendor_url

ASSET_URL = re.compile(r'(?:src|href)="(/(?:static|vendor)/[^"?#]+)"')


class StatCounter:
    """Counts os.stat calls (Path.stat, os.path.exists, is_file and getmtime all make one) and where they came from."""

    def __init__(self):
        self.calls: list[str] = []

    def install(self, monkeypatch) -> None:
        """Count from now on, in this process."""
        real = os.stat

        def counting(*args, **kwargs):
            caller = sys._getframe(1)
            while caller.f_back and caller.f_code.co_filename.endswith(("pathlib.py", "genericpath>", "posixpath>")):
                caller = caller.f_back
            self.calls.append(f"{caller.f_code.co_filename}:{caller.f_lineno}")
            return real(*args, **kwargs)

        monkeypatch.setattr(os, "stat", counting)


def register(client, serial: int) -> None:
    """A registration as a person makes it: the form, the post, the 'sent' page."""
    token = csrf_token(client, "/groep-aanmelden/")
    answer = client.post(
        "/groep-aanmelden/",
        data={
            "csrf_token": token,
            "naam": f"Buurtapp {serial}",
            "beheerder_naam": "Bram Beheerder",
            "email": f"aanmelder{serial}@voorbeeld.invalid",
            "buurten": "BU04170324",
            "actie": "aanmelden",
        },
        follow_redirects=True,
    )
    assert answer.status_code == 200 and answer.request.path == "/groep-aanmelden/verstuurd", answer.status_code


@pytest.fixture
def one_moment(monkeypatch):
    """Stop the clocks of the information pages and of the register: what follows happens within a second."""
    moment = time.monotonic()
    monkeypatch.setattr(content, "_clock", lambda: moment)
    monkeypatch.setattr(register_module, "time", SimpleNamespace(monotonic=lambda: moment))


@pytest.fixture
def app(tmp_path):
    """The app with its information pages in tmp_path and the rate limits out of the way."""
    shutil.copytree(ROOT / "content", tmp_path / "content")
    return make_app(tmp_path, CONTENT_DIR=str(tmp_path / "content"), REGISTER_LIMIT=1000)


def test_a_registration_asks_the_file_system_nothing_once_a_process_has_served_one(app, monkeypatch, one_moment):
    client = app.test_client()
    pages = ("/", "/informatie/", "/groep-aanmelden/")
    register(client, 1)  # the first: templates, translations, hashes and pages are read
    for page in pages:
        assert client.get(page).status_code == 200
    counter = StatCounter()
    counter.install(monkeypatch)
    register(client, 2)  # it commits: the register looks at its version, not at the wijken file
    for page in pages:
        assert client.get(page).status_code == 200
    assert counter.calls == [], "\n".join(counter.calls)


def test_asset_names_are_hashed_once_per_app_start(app, monkeypatch, one_moment):
    client = app.test_client()
    first = ASSET_URL.findall(client.get("/").get_data(as_text=True))
    counter = StatCounter()
    counter.install(monkeypatch)
    assert ASSET_URL.findall(client.get("/").get_data(as_text=True)) == first
    assert counter.calls == []
    assert any(u.startswith("/static/js/") for u in first) and any(u.startswith("/vendor/leaflet/") for u in first)


@pytest.mark.parametrize("debug", [False, True])
def test_an_edited_vendor_file_keeps_its_name_until_a_restart_except_in_debug_mode(tmp_path, debug):
    vendor = tmp_path / "node_modules"
    for package in ("leaflet", "leaflet-draw"):
        shutil.copytree(ROOT / "node_modules" / package / "dist", vendor / package / "dist")
    app = make_app(tmp_path, VENDOR_DIR=str(vendor))
    app.debug = debug
    with app.test_request_context("/"):
        before = vendor_url("leaflet", "leaflet.js")
        (vendor / "leaflet" / "dist" / "leaflet.js").write_text("// a new release\n")
        after = vendor_url("leaflet", "leaflet.js")
    assert before.startswith("/vendor/leaflet/leaflet.") and after.startswith("/vendor/leaflet/leaflet.")
    assert (before != after) is debug
    restarted = make_app(tmp_path, VENDOR_DIR=str(vendor))
    with restarted.test_request_context("/"):
        assert vendor_url("leaflet", "leaflet.js") == "/vendor/leaflet/" + hashed_name(
            vendor / "leaflet" / "dist", "leaflet.js"
        )


def test_information_pages_are_looked_at_at_most_once_a_second_and_an_edit_shows_after_it(app, tmp_path, monkeypatch):
    now = [time.monotonic()]
    monkeypatch.setattr(content, "_clock", lambda: now[0])
    client = app.test_client()
    for page in ("/informatie/", "/informatie/spelregels"):  # their templates read
        assert client.get(page).status_code == 200
    edited = tmp_path / "content" / "nl" / "30-spelregels.md"
    edited.write_text("# Nieuwe spelregels\n\nAlleen buurtzaken.\n", encoding="utf-8")
    stat = edited.stat()
    os.utime(edited, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))  # a clock of coarse resolution
    counter = StatCounter()
    counter.install(monkeypatch)
    now[0] += content.RECHECK_SECONDS * 0.9
    assert "Nieuwe spelregels" not in client.get("/informatie/spelregels").get_data(as_text=True)
    assert counter.calls == []
    now[0] += content.RECHECK_SECONDS * 0.2  # past the second: looked at again
    page = client.get("/informatie/spelregels").get_data(as_text=True)
    assert "Nieuwe spelregels" in page and "Alleen buurtzaken." in page
    assert counter.calls
