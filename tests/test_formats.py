"""Issue 9 #13: dates and numbers as people read them (Babel), in Dutch and in English, on the staff pages, in
e-mail and in the CSV exports."""

import csv
import io
import re

import pytest
import sqlalchemy as sa
from babel.numbers import parse_decimal
from helpers import login

from geo_registry.core import formats
from geo_registry.web import settings as app_settings

WINTER = "2026-11-26T12:45:00+00:00"  # CET, UTC+1
SUMMER = "2026-07-01T12:45:00+00:00"  # CEST, UTC+2
ISO_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
STAFF_PAGES = ["/beheer/", "/beheer/groep/1", "/beheer/logboek", "/beheer/e-mail", "/beheer/dekking"]


@pytest.fixture
def web(mail_app, staff_user):
    client = mail_app.test_client()
    assert login(client, *staff_user).status_code == 302
    return client


def text_of(response) -> str:
    """The page as text, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def test_a_utc_time_is_read_in_dutch_time_in_both_languages():
    assert formats.when(WINTER, "nl") == "26 november 2026 om 13:45"
    assert formats.when(WINTER, "en") == "26 November 2026, 13:45"
    assert formats.when(SUMMER, "nl") == "1 juli 2026 om 14:45"
    assert formats.day("2026-11-26T23:30:00+00:00", "nl") == "27 november 2026"  # already the 27th in Laren
    assert formats.when(None, "nl") == "" and formats.when("geen tijd", "en") == "geen tijd"


def test_numbers_and_percentages_per_language():
    assert formats.percent(0.52, "nl") == "52,0%" and formats.percent(0.52, "en") == "52.0%"
    assert formats.number(1234567.4, "nl") == "1.234.567" and formats.number(1234567.4, "en") == "1,234,567"
    assert formats.number(12.5, "nl", 1) == "12,5"


def set_times(app, stamp):
    """Give every stored time in the register and outbox, and a new log entry, the same known UTC time."""
    from geo_registry.domain.actions import send_messages
    from geo_registry.mail.delivery import Message
    from geo_registry.web import services as app_services

    with app.app_context():
        engine = app_services.current().store.engine
        app.smtp.fail = True
        send_messages(engine, [Message("test", "wacht@voorbeeld.invalid", "Wacht", "w")])
        app.smtp.settle()
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "UPDATE groups SET created_at = :t, email_confirmed_at = :t,"
                    " last_confirmed_at = :t, reminder_sent_at = :t"
                ),
                {"t": stamp},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO audit_log (at, actor, action, group_id, group_name)"
                    " VALUES (:t, 'medewerker', 'goedgekeurd', 1, 'Brink')"
                ),
                {"t": stamp},
            )
            conn.execute(sa.text("UPDATE mail_outbox SET created_at = :t"), {"t": stamp})


@pytest.mark.parametrize("lang, expected", [("nl", "26 november 2026 om 13:45"), ("en", "26 November 2026, 13:45")])
def test_staff_pages_show_dates_as_people_read_them(web, mail_app, lang, expected):
    set_times(mail_app, WINTER)
    group_page = text_of(web.get(f"/beheer/groep/1?lang={lang}"))
    assert group_page.count(expected) == 4  # registered, e-mail confirmed, last confirmed, last reminder
    assert expected in text_of(web.get(f"/beheer/logboek?lang={lang}"))
    assert expected in text_of(web.get(f"/beheer/e-mail?lang={lang}"))
    assert expected.split(" om ")[0].split(",")[0] in text_of(web.get(f"/beheer/?lang={lang}"))
    for path in STAFF_PAGES:
        html = web.get(f"{path}?lang={lang}").get_data(as_text=True)
        assert not ISO_STAMP.search(html), path
        assert "UTC" not in text_of(web.get(f"{path}?lang={lang}")), path


def test_staff_pages_write_numbers_per_language(web, mail_app):
    nl_cover, en_cover = (text_of(web.get(f"/beheer/dekking?lang={lang}")) for lang in ("nl", "en"))
    assert re.search(r"\b\d{1,3},\d% \(", nl_cover) and not re.search(r"\b\d{1,3}\.\d% \(", nl_cover)
    assert re.search(r"\b\d{1,3}\.\d% \(", en_cover) and not re.search(r"\b\d{1,3},\d% \(", en_cover)
    assert re.search(r"van \d{1,3}(\.\d{3})+ m²", nl_cover) and re.search(r"of \d{1,3}(,\d{3})+ m²", en_cover)
    nl_group, en_group = (text_of(web.get(f"/beheer/groep/1?lang={lang}")) for lang in ("nl", "en"))
    assert re.search(r"Oppervlakte \d{1,3}(\.\d{3})+ m²", nl_group)
    assert re.search(r"Area \d{1,3}(,\d{3})+ m²", en_group)


@pytest.mark.parametrize(
    "interval, nl, en",
    [
        (1, "Niet bevestigd binnen 1 dag", "Not confirmed within 1 day"),
        (365, "Niet bevestigd binnen 365 dagen", "Not confirmed within 365 days"),
    ],
)
def test_day_counts_are_singular_or_plural(web, mail_app, interval, nl, en):
    app_settings.change(mail_app, CONFIRM_INTERVAL_DAYS=interval)
    assert nl in text_of(web.get("/beheer/?lang=nl")) and en in text_of(web.get("/beheer/?lang=en"))


def rows(response, delimiter):
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:]), delimiter=delimiter))


def test_the_dutch_coverage_csv_has_numbers_dutch_excel_reads(web, mail_app):
    from geo_registry.web import services as app_services

    with mail_app.app_context():
        expected = {c.buurt.code: c for c in app_services.current().registry.snapshot().coverage()}
    table = rows(web.get("/beheer/export/dekking.csv?lang=nl"), ";")
    assert len(table) == len(expected) and any("," in row["gedekt_pct"] for row in table)
    for row in table:
        item = expected[row["buurtcode"]]
        # Dutch Excel reads a decimal comma and no thousands separator; parse as a Dutch spreadsheet would.
        assert "." not in row["gedekt_pct"] + row["oppervlakte_m2"]
        assert float(parse_decimal(row["gedekt_pct"], locale="nl")) == round(item.share * 100, 1)
        assert int(parse_decimal(row["oppervlakte_m2"], locale="nl")) == round(item.area_m2)
    english = rows(web.get("/beheer/export/dekking.csv?lang=en"), ",")
    assert {row["buurtcode"]: float(row["gedekt_pct"]) for row in english} == {
        code: round(c.share * 100, 1) for code, c in expected.items()
    }


def test_the_beheerders_csv_has_times_a_spreadsheet_reads(web, mail_app):
    set_times(mail_app, WINTER)
    table = rows(web.get("/beheer/export/beheerders.csv?lang=nl"), ";")
    assert table and {row["laatst_bevestigd"] for row in table} == {"2026-11-26 13:45"}


def test_mail_templates_write_dates_in_the_recipients_language(tmp_path):
    from geo_registry.core.config import ROOT
    from geo_registry.mail.compose import MailComposer

    for lang in ("nl", "en"):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "datum.txt").write_text("Onderwerp\n{{ when(at) }} / {{ day(at) }} / {{ number(n) }}\n")
    composer = MailComposer(tmp_path, ROOT / "translations", {})
    assert (
        composer.compose("t", "a@voorbeeld.invalid", "datum", "nl", at=WINTER, n=12345).body
        == "26 november 2026 om 13:45 / 26 november 2026 / 12.345\n"
    )
    assert (
        composer.compose("t", "a@voorbeeld.invalid", "datum", "en", at=WINTER, n=12345).body
        == "26 November 2026, 13:45 / 26 November 2026 / 12,345\n"
    )
