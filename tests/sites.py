"""The example data the fixtures share, and a populated app that mails to a test SMTP server made outside one
test's fixtures: the browser tests that walk every page keep one per module, check and language
(tests/browser/test_browser_every_page.py), where a fresh app per page would cost more than the page's check."""

from __future__ import annotations

import csv
from contextlib import ExitStack, contextmanager
from pathlib import Path

from fakes import FakeLocatieserver, FakeSMTP, pdok_doc
from helpers import make_app


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
    """An app with the example groups, the local address table and the fake Locatieserver."""
    app = make_app(tmp_path, PDOK_URL=pdok.url, PDOK_TIMEOUT=1.0, **overrides)
    runner = app.test_cli_runner()
    assert "4 toegevoegd" in runner.invoke(args=["load-examples"]).output
    assert "5 adressen" in runner.invoke(args=["import-addresses", str(address_csv)]).output
    app.pdok = pdok
    return app


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
