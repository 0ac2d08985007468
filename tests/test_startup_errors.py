"""A setting or a database the app cannot start on: the command line says what to do in one line (exit status
1), without a Python traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # `geo-registry init-db` in processes of their own

COMMAND = [str(Path(sys.executable).with_name("geo-registry")), "init-db"]


def start(**settings) -> subprocess.CompletedProcess:
    """Run `geo-registry init-db` with these GEO_REGISTRY_* settings."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("GEO_REGISTRY_") or name == "GEO_REGISTRY_BUURTEN_CACHE"
    }  # the tests' copy folder
    env.update({f"GEO_REGISTRY_{key}": value for key, value in settings.items()}, GEO_REGISTRY_SECRET_KEY="x")
    return subprocess.run(COMMAND, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/register"}, "De database is niet bereikbaar"),
        ({"DATABASE_URL": "geen-url"}, "GEO_REGISTRY_DATABASE_URL is geen geldige database-URL"),
        ({"RATELIMIT_STORAGE_URI": "nonsense://127.0.0.1:1"}, "is niet bruikbaar voor de snelheidslimieten"),
        ({"MAIL_PORT": "vijf"}, "GEO_REGISTRY_MAIL_PORT='vijf': is geen geheel getal (bijvoorbeeld"),
    ],
)
def test_a_setting_the_app_cannot_start_with_is_one_clear_line(tmp_path, settings, says):
    settings.setdefault("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    done = start(**settings)
    assert done.returncode == 1
    assert done.stderr.startswith("Fout: ") and says in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_a_database_without_postgis_says_what_the_administrator_must_do(pg_cluster):
    pg_cluster._admin(
        "CREATE ROLE zonder_rechten LOGIN", "CREATE DATABASE zonder_postgis OWNER zonder_rechten TEMPLATE template0"
    )
    try:
        url = pg_cluster.url("zonder_postgis").replace("postgres@", "zonder_rechten@")
        done = start(DATABASE_URL=url)
        assert done.returncode == 1
        assert "PostGIS ontbreekt in deze database" in done.stderr and "CREATE EXTENSION postgis" in done.stderr
        assert "Traceback" not in done.stderr
    finally:
        pg_cluster.drop_database("zonder_postgis")
        pg_cluster._admin("DROP ROLE zonder_rechten")
