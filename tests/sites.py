"""The example data the fixtures share, and a populated app that mails to a test SMTP server made outside one
test's fixtures: the browser tests that walk every page keep one per module, check and language
(tests/browser/test_browser_every_page.py), where a fresh app per page would cost more than the page's check."""

from __future__ import annotations

import csv
import hashlib
import shutil
from contextlib import ExitStack, contextmanager
from pathlib import Path

import db_templates
import pgcluster
import sqlalchemy as sa
from fakes import FakeLocatieserver, FakeSMTP, pdok_doc
from helpers import make_app

# Settings that differ from test to test yet leave what load-examples and import-addresses write unchanged: every
# other override makes a populated template of its own.
PER_TEST_SETTINGS = frozenset({"DATABASE_URL", "PDOK_URL", "MAIL_PORT"})


def address_rows(places: dict) -> list[dict]:
    """A small BAG-like address list with known places (places: the conftest fixture of that name)."""
    c, p, b = places["centrum"], places["postiljon"], places["blaricum"]
    rows = [
        ("1251 KV", "12", "", "Brink", "Laren", c),
        ("1251KV", "14", "A", "Brink", "Laren", c),
        ("1251KV", "14", "B", "Brink", "Laren", c),
        ("1251 PT", "3", "", "Postiljonlaan", "Laren", p),
        ("1261 AA", "5", "", "Torenlaan", "Blaricum", b),
    ]
    return [
        {
            "postcode": postcode,
            "huisnummer": number,
            "huisletter": letter,
            "huisnummertoevoeging": "",
            "openbare_ruimte": street,
            "woonplaats": place,
            "lat": point[0],
            "lon": point[1],
        }
        for postcode, number, letter, street, place, point in rows
    ]


def write_address_csv(path: Path, rows: list[dict]) -> Path:
    """Write the address rows as a CSV extract at path; return path."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def pdok_docs(places: dict) -> list[dict]:
    """Locatieserver documents for the same places, and one Brink 12 outside Laren."""
    c, p, b = places["centrum"], places["postiljon"], places["blaricum"]
    return [
        pdok_doc("Brink", 12, "1251KV", "Laren", *c),
        pdok_doc("Brink", 14, "1251KV", "Laren", *c, huisletter="A"),
        pdok_doc("Brink", 14, "1251KV", "Laren", *c, huisletter="B"),
        pdok_doc("Postiljonlaan", 3, "1251PT", "Laren", *p),
        pdok_doc("Torenlaan", 5, "1261AA", "Blaricum", *b, gemeentenaam="Blaricum", gemeentecode="0376"),
        pdok_doc("Brink", 12, "7411BR", "Deventer", 52.2550, 6.1600, gemeentenaam="Deventer", gemeentecode="0150"),
    ]


def populated_app(tmp_path, pdok, address_csv, **overrides):
    """An app with the example groups, the local address table and the fake Locatieserver. Its fresh test database
    starts as a copy of this process's populated template (made once by the two commands, per database kind,
    address list and settings): the commands cost up to a second per test. A database that is not a fresh test
    database (an existing file, a URL of one's own) is populated by the commands themselves."""
    config = {"PDOK_URL": pdok.url, "PDOK_TIMEOUT": 1.0, **overrides}
    config.setdefault("DATABASE_URL", f"sqlite:///{tmp_path / 'test.sqlite3'}")
    copied = copy_populated_template(address_csv, config)
    app = make_app(tmp_path, **config)
    if not copied:
        populate(app, address_csv)
    app.pdok = pdok
    return app


def populate(app, address_csv) -> None:
    """Load the example groups and import the address list through the CLI commands, as a person would."""
    runner = app.test_cli_runner()
    assert "4 toegevoegd" in runner.invoke(args=["load-examples"]).output
    assert "5 adressen" in runner.invoke(args=["import-addresses", str(address_csv)]).output


def copy_populated_template(address_csv, config: dict) -> bool:
    """Put a copy of the populated template at config's DATABASE_URL when it names a fresh test database (an SQLite
    file not there yet, or a database the session's PostgreSQL cluster handed out, which is replaced); say whether
    it did."""
    url = config["DATABASE_URL"]
    settings = tuple(sorted((name, repr(value)) for name, value in config.items() if name not in PER_TEST_SETTINGS))
    key = (
        sa.engine.make_url(url).get_backend_name(),
        hashlib.sha256(Path(address_csv).read_bytes()).digest(),
        settings,
    )
    path, template, cluster = db_templates.sqlite_file(url), db_templates.current(), pgcluster.current()
    if path is not None and template is not None and not path.exists():
        source = template.populated(key, lambda folder: _populated_sqlite(folder, address_csv, config))
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, path)
        return True
    if path is None and cluster is not None and cluster.is_test_database(url):
        name = cluster.populated_template(
            key, lambda template_url: _populated(cluster.folder, address_csv, config, template_url)
        )
        cluster.replace_with_copy(sa.engine.make_url(url).database, name)
        return True
    return False


def _populated_sqlite(folder: Path, address_csv, config: dict) -> Path:
    path = folder / "test.sqlite3"
    _populated(folder, address_csv, config, f"sqlite:///{path}")
    return path


def _populated(folder: Path, address_csv, config: dict, url: str) -> None:
    app = make_app(folder, **{**config, "DATABASE_URL": url})
    populate(app, address_csv)
    # Every connection closed: SQLite then checkpoints its log into the one file; PostgreSQL copies no database
    # that has one.
    app.extensions["geo_registry.engine"].dispose()


def wire_smtp(app, smtp) -> None:
    """Let smtp's readers first run the worker's mail delivery job in this process (the code the worker process
    runs), as the mail_app fixture does."""
    app.smtp = smtp
    smtp.settle = lambda: deliver_mail(app)


def deliver_mail(app):
    """Run the worker's mail delivery job once in this process, as the worker process runs it."""
    from geo_registry.worker.runner import run_job

    return run_job(app, "mail-delivery")


@contextmanager
def mail_app_in(folder: Path, places: dict, **overrides):
    """The mail_app fixture's app, in folder, with a fake Locatieserver and test SMTP server of its own (stopped
    on leaving)."""
    with ExitStack() as stack:
        pdok = stack.enter_context(FakeLocatieserver(pdok_docs(places)))
        smtp = stack.enter_context(FakeSMTP())
        address_csv = write_address_csv(folder / "adressen.csv", address_rows(places))
        app = populated_app(
            folder,
            pdok,
            address_csv,
            MAIL_HOST="127.0.0.1",
            MAIL_PORT=smtp.port,
            PUBLIC_URL="http://localhost",
            **overrides,
        )
        wire_smtp(app, smtp)
        yield app
