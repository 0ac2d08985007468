"""The write path's costs (issue 11): what a join or registration does besides its own SQL.

Pages keep answering while someone else writes (SQLite in WAL mode), and the information pages that every page's
menu and footer list are rendered once per version of their file, not on every request."""

import os
import shutil
import sqlite3
import time

import sqlalchemy as sa
from helpers import make_app

from geo_registry.core.config import ROOT
from geo_registry.store.db import make_engine
from geo_registry.web import content
from geo_registry.web import settings as app_settings


def test_an_sqlite_file_writes_ahead_and_syncs_at_checkpoints(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    engine.dispose()
    memory = make_engine("sqlite://")  # an in-memory database has no journal file to speak of: left as it is
    with memory.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "memory"
    memory.dispose()


def test_the_join_form_answers_while_another_process_holds_the_write_lock(tmp_path):
    app = make_app(tmp_path)
    assert app.test_cli_runner().invoke(args=["load-examples"]).exit_code == 0
    writer = sqlite3.connect(tmp_path / "test.sqlite3", isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")  # e.g. the mail worker of another process, in the middle of a delivery
    writer.execute("INSERT INTO audit_log (at, actor, action) VALUES ('2026-11-26T00:00:00+00:00', 'x', 'y')")
    try:
        # With a rollback journal the reader waited for the lock (busy_timeout, 5 s) and then failed.
        answer = app.test_client().get("/groep/1/aanmelden")
        assert answer.status_code == 200
        assert 'name="csrf_token"' in answer.get_data(as_text=True)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    with make_engine(app_settings.of(app).DATABASE_URL).connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM audit_log WHERE actor = 'x'")).scalar_one() == 0


def test_information_pages_are_rendered_once_per_version_of_their_file(tmp_path, monkeypatch):
    folder = tmp_path / "content"
    shutil.copytree(ROOT / "content", folder)
    rendered = []
    real_markdown = content.markdown.markdown

    def counting(text, **options):
        rendered.append(text)
        return real_markdown(text, **options)

    monkeypatch.setattr(content.markdown, "markdown", counting)
    client = make_app(tmp_path, CONTENT_DIR=str(folder)).test_client()
    first = client.get("/informatie/")
    assert first.status_code == 200
    files = len(list((folder / "nl").glob("*.md")))
    assert len(rendered) == files
    for page in ("/informatie/", "/", "/informatie/spelregels"):  # each page's menu lists every page again
        assert client.get(page).status_code == 200
    assert len(rendered) == files
    # Staff edit a file: the next page a second later shows the new text, without a restart.
    edited = folder / "nl" / "30-spelregels.md"
    edited.write_text("# Nieuwe spelregels\n\nAlleen buurtzaken.\n", encoding="utf-8")
    stat = edited.stat()
    os.utime(edited, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))  # a clock of coarse resolution
    a_second_later(monkeypatch)
    page = client.get("/informatie/spelregels").get_data(as_text=True)
    assert "Nieuwe spelregels" in page and "Alleen buurtzaken." in page
    assert len(rendered) == files + 1


def a_second_later(monkeypatch) -> None:
    """Move the information pages' clock past their recheck time (they are looked at once a second)."""
    monkeypatch.setattr(content, "_clock", lambda: time.monotonic() + content.RECHECK_SECONDS + 1)


def test_a_page_file_added_by_staff_shows_in_the_menu_of_the_next_page_a_second_later(tmp_path, monkeypatch):
    folder = tmp_path / "content"
    shutil.copytree(ROOT / "content", folder)
    client = make_app(tmp_path, CONTENT_DIR=str(folder)).test_client()
    assert "Buurtfeest" not in client.get("/").get_data(as_text=True)
    (folder / "nl" / "80-buurtfeest.md").write_text("# Buurtfeest\n\nOp 1 juni.\n", encoding="utf-8")
    stat = (folder / "nl").stat()
    os.utime(folder / "nl", ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))  # a coarse clock
    a_second_later(monkeypatch)
    assert "Buurtfeest" in client.get("/").get_data(as_text=True)
    assert "Op 1 juni." in client.get("/informatie/buurtfeest").get_data(as_text=True)


def test_the_wtforms_catalogue_is_read_once_per_language_not_per_request(tmp_path, monkeypatch):
    from babel import support

    from geo_registry.web.form_classes import JoinForm

    loads = []
    real_load = support.Translations.load.__func__

    def counting(cls, dirname=None, locales=None, domain=None):
        if domain == "wtforms":
            loads.append([str(locale) for locale in locales])
        return real_load(cls, dirname, locales, domain)

    monkeypatch.setattr(support.Translations, "load", classmethod(counting))
    app = make_app(tmp_path)
    client = app.test_client()
    for _ in range(3):
        assert client.get("/groep-aanmelden/").status_code == 200
    assert len(loads) <= 1  # once for Dutch in this process (none if an earlier test read it already)
    # The messages stay those of the page's language.
    for lang, expected in (("nl", "Ongeldige keuze."), ("en", "Not a valid choice.")):
        with app.test_request_context(f"/?lang={lang}"):
            form = JoinForm()
            assert form.meta.get_translations(form).gettext("Not a valid choice.") == expected


def test_a_page_looks_up_its_catalogue_once_not_for_every_string(tmp_path, monkeypatch):
    import flask_babel

    from geo_registry.web.i18n import request_catalogue

    app = make_app(tmp_path)
    client = app.test_client()
    assert client.get("/groep-aanmelden/?lang=en").status_code == 200  # templates compiled, catalogues read
    lookups = []
    real = flask_babel.get_translations

    def counting():
        lookups.append(1)
        return real()

    monkeypatch.setattr(flask_babel, "get_translations", counting)
    for lang, words in (("en", "Register a group"), ("nl", "Groep aanmelden")):
        lookups.clear()
        page = client.get(f"/groep-aanmelden/?lang={lang}").get_data(as_text=True)
        assert words in page
        assert len(lookups) == 1  # Flask-Babel's lambdas looked it up for each of the page's ~30 strings
    # A locale forced within a request (Flask-Babel's force_locale) gets its own catalogue, and the request's after.
    with app.test_request_context("/?lang=nl"):
        assert request_catalogue().ugettext("Naam") == "Naam"
        with flask_babel.force_locale("en"):
            assert request_catalogue().ugettext("Naam") == "Name"
        assert request_catalogue().ugettext("Naam") == "Naam"
