"""What a served process imports (issue 24): making the app, answering a lookup and showing the home page (its map
too) import neither pandas nor geopandas nor pyogrio, and folium only for the map; importing those cost every
gunicorn worker, CLI command and test process about 1.5 s of CPU and 70 MiB before its first request. Each case
runs in a fresh Python, since this test process has imported all of them long ago."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from helpers import make_app

HEAVY = ["pandas", "geopandas", "pyogrio"]

SERVE = """
import json, sys
from geo_registry import create_app
app = create_app(json.loads(sys.argv[1]))
after_start = sorted(sys.modules)
client = app.test_client()
answers = []
if sys.argv[2] == "lookup":
    answer = client.get("/api/v1/lookup?lat=52.2565&lon=5.2270")
    answers.append((answer.status_code, answer.get_json()["in_gemeente"]))
    home = client.get("/?lang=en")
    answers.append((home.status_code, "leaflet" in home.get_data(as_text=True)))
print(json.dumps({"after_start": after_start, "after_requests": sorted(sys.modules), "answers": answers}))
"""


def served_modules(config: dict, what: str) -> dict:
    """The modules a fresh process holds after making the app (and, with what="lookup", a lookup by point and the
    home page)."""
    done = subprocess.run(
        [sys.executable, "-c", SERVE, json.dumps(config), what], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def config(tmp_path) -> dict:
    """An app's settings whose buurten cache is already written (as import-wijken or an earlier start leaves it)."""
    app = make_app(tmp_path, BUURTEN_CACHE=str(tmp_path / "cache"))
    assert app.test_client().get("/api/v1/lookup?lat=52.2565&lon=5.2270").status_code == 200  # writes the copy
    assert list((tmp_path / "cache").glob("*.buurten"))
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "PDOK_URL": "",
        "TILES": "none",
        "BUURTEN_CACHE": str(tmp_path / "cache"),
    }


def test_a_served_process_imports_no_pandas_for_a_lookup_and_the_home_page(config):
    seen = served_modules(config, "lookup")
    assert seen["answers"] == [[200, True], [200, True]]  # the lookup answered, the home page has its map
    assert [name for name in HEAVY if name in seen["after_requests"]] == []
    assert "folium" in seen["after_requests"]  # the map was rendered, with folium, and still no pandas


def test_making_the_app_imports_no_map_library(config):
    seen = served_modules(config, "start")
    assert [name for name in HEAVY + ["folium", "branca"] if name in seen["after_start"]] == []


def test_the_cli_help_imports_no_pandas(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\nfrom geo_registry.cli import main\nsys.argv = ['geo-registry', '--help']\ntry:\n    main()\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(sys.modules), file=sys.stderr)",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert "import-groups" in done.stdout
    assert [name for name in HEAVY + ["folium"] if f"'{name}'" in done.stderr] == []


def test_the_gunicorn_master_holds_no_app(tmp_path):
    """The master of `geo-registry serve` runs gunicorn alone (web/serve_master.py): none of the app's compiled
    libraries is mapped into it, while its worker has them and answers lookups."""
    from gunicorn_process import serving

    def libraries(pid: int) -> str:
        return Path(f"/proc/{pid}/maps").read_text()

    with serving(tmp_path, "--workers", "1") as served:
        assert requests.get(served.base + "/api/v1/lookup?lat=52.2565&lon=5.2270", timeout=60).json()["in_gemeente"]
        [worker] = served.workers()
        master = libraries(served.process.pid)
        assert "shapely" in libraries(worker) and "numpy" in libraries(worker)
        assert [name for name in ("shapely", "numpy", "sqlalchemy", "geos") if name in master] == []
        assert "geo_registry op http://127.0.0.1:" in served.log.read_text()  # its announcement, with the address
