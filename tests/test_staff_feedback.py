"""Issue 9 #12: every staff action ends with a message that says what happened and who was e-mailed, and a
missing rejection reason is shown at its field as an error, with the form kept."""

import re

import pytest
from helpers import csrf_token, login, register_pending

NINA = ("Nina Nieuw", "nina@voorbeeld.invalid")  # the beheerder register_pending uses


@pytest.fixture
def web(mail_app, staff_user):
    client = mail_app.test_client()
    assert login(client, *staff_user).status_code == 302
    return client


def post(client, page_url, action_url, **data):
    """Send a form from page_url as staff would; return the page it leads to (followed) and its status."""
    response = client.post(action_url, data={"csrf_token": csrf_token(client, page_url), **data}, follow_redirects=True)
    return response.status_code, response.get_data(as_text=True)


def notice(html: str) -> str:
    """The text of the one-time message at the top of a staff page."""
    match = re.search(r'<p class="notice notice-(?:info|error)" role="(?:status|alert)">(.*?)</p>', html, re.S)
    assert match, "no message on the page"
    return " ".join(match.group(1).split()).replace("&#39;", "'")


def beheerder_of(app, group_id):
    from geo_registry.web import services as app_services

    with app.app_context():
        item = app_services.current().store.get(group_id)
        return item.name, item.beheerder_name, item.beheerder_email


def test_approving_says_the_group_is_on_the_map_and_the_beheerder_is_mailed(web, mail_app):
    group_id = register_pending(mail_app, "Zonnebloem Waakt")
    _status, html = post(web, f"/beheer/groep/{group_id}", f"/beheer/groep/{group_id}/beoordelen", besluit="goedkeuren")
    text = notice(html)
    assert "Groep ‘Zonnebloem Waakt’ is goedgekeurd en staat nu op de kaart" in text
    assert f"De beheerder, {NINA[0]} ({NINA[1]}), krijgt hierover een e-mail" in text
    assert "notice-info" in html and 'role="status"' in html
    assert "goedgekeurd" not in web.get(f"/beheer/groep/{group_id}").get_data(as_text=True).split("<h1>")[0]


def test_rejecting_says_who_gets_the_reason(web, mail_app):
    group_id = register_pending(mail_app, "Distel Waakt")
    _status, html = post(
        web,
        f"/beheer/groep/{group_id}",
        f"/beheer/groep/{group_id}/beoordelen",
        besluit="afwijzen",
        reden="Dit gebied heeft al een groep.",
    )
    assert notice(html) == (
        f"Groep ‘Distel Waakt’ is afgewezen. De beheerder, {NINA[0]} ({NINA[1]}), krijgt een e-mail met de reden."
    )


@pytest.mark.parametrize(
    "lang, message",
    [
        ("nl", "Geef een reden voor de afwijzing; de beheerder krijgt die te lezen."),
        ("en", "Give a reason for the rejection; the administrator will read it."),
    ],
)
def test_a_missing_rejection_reason_is_an_error_at_the_field(web, mail_app, lang, message):
    group_id = register_pending(mail_app)
    page = f"/beheer/groep/{group_id}?lang={lang}"
    response = web.post(
        f"/beheer/groep/{group_id}/beoordelen?lang={lang}",
        data={"csrf_token": csrf_token(web, page), "besluit": "afwijzen", "reden": "  \n "},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    textarea = re.search(r'<textarea id="reden"[^>]*>(.*?)</textarea>', html, re.S)
    assert 'aria-invalid="true"' in textarea.group(0) and 'aria-describedby="reden-fout"' in textarea.group(0)
    assert textarea.group(1) == "  \n "  # what was typed stays
    assert re.search(rf'<span class="error-message" id="reden-fout">{re.escape(message)}</span>', html)
    assert '<a href="#reden">' in html  # the error summary leads to the field
    assert 'role="status"' not in html  # not a general message
    assert "<title>" + ("Fout:" if lang == "nl" else "Error:") in html


def test_deactivating_and_reactivating_say_nobody_was_mailed(web, mail_app):
    name, beheerder, email = beheerder_of(mail_app, 1)
    _status, html = post(web, "/beheer/groep/1", "/beheer/groep/1/status", status="inactive")
    assert notice(html) == (
        f"Groep ‘{name}’ is gedeactiveerd en staat niet meer op de kaart. Niemand heeft hierover"
        f" een e-mail gekregen; laat het de beheerder, {beheerder} ({email}), zelf weten als dat"
        " nodig is."
    )
    _status, html = post(web, "/beheer/groep/1", "/beheer/groep/1/status", status="active")
    assert notice(html) == (
        f"Groep ‘{name}’ is weer actief en staat weer op de kaart. Niemand heeft hierover een e-mail gekregen."
    )


def test_deleting_says_what_was_deleted_and_a_second_delete_does_not_claim_it_again(web, mail_app):
    name, beheerder, email = beheerder_of(mail_app, 2)
    _status, html = post(web, "/beheer/groep/2/verwijderen", "/beheer/groep/2/verwijderen", bevestig="ja")
    assert notice(html).startswith(f"Groep ‘{name}’ is verwijderd uit het register. Niemand heeft hierover een ")
    assert f"{beheerder} ({email})" in notice(html)
    # The same form sent again (a double click, or a second tab): before, it said "De groep is verwijderd." again.
    token = csrf_token(web, "/beheer/")
    html = web.post(
        "/beheer/groep/2/verwijderen", data={"csrf_token": token, "bevestig": "ja"}, follow_redirects=True
    ).get_data(as_text=True)
    assert notice(html) == "Deze groep bestaat niet (meer)." and 'class="notice notice-error" role="alert"' in html


def test_editing_names_what_changed_and_that_nobody_was_mailed(web, mail_app):
    page = "/beheer/groep/1/bewerken"
    name, beheerder, email = beheerder_of(mail_app, 1)
    _status, html = post(
        web,
        page,
        page,
        naam="Brink-app",
        beheerder_naam=beheerder,
        email=email,
        mobiel="",
        toelichting="Nieuwe toelichting",
    )
    assert notice(html) == (
        "De wijzigingen aan ‘Brink-app’ zijn opgeslagen: naam, toelichting. Niemand heeft hierover een e-mail gekregen."
    )
    _status, html = post(
        web,
        page,
        page,
        naam="Brink-app",
        beheerder_naam=beheerder,
        email=email,
        mobiel="",
        toelichting="Nieuwe toelichting",
    )
    assert notice(html) == (
        "Er was niets veranderd aan ‘Brink-app’, dus er is niets opgeslagen. Niemand heeft "
        "hierover een e-mail gekregen."
    )


def test_a_reminder_says_to_whom_it_goes(web, mail_app):
    name, beheerder, email = beheerder_of(mail_app, 1)
    _status, html = post(web, "/beheer/groep/1", "/beheer/groep/1/herinnering")
    assert (
        notice(html) == f"Het bevestigingsverzoek voor ‘{name}’ is onderweg naar de beheerder, {beheerder} ({email})."
    )


@pytest.mark.parametrize("approve", [True, False])
def test_deciding_a_proposed_change_says_who_is_mailed(web, mail_app, approve):
    from geo_registry.domain import renewal
    from geo_registry.web import services as app_services

    with mail_app.app_context():
        renewal.propose_change(app_services.current().store, 1, {"description": "Ook de Brink zelf"})
    name, beheerder, email = beheerder_of(mail_app, 1)
    change_id = re.search(r"/beheer/wijziging/(\d+)/beoordelen", web.get("/beheer/groep/1").get_data(as_text=True))
    _status, html = post(
        web,
        "/beheer/groep/1",
        f"/beheer/wijziging/{change_id.group(1)}/beoordelen",
        groep="1",
        besluit="goedkeuren" if approve else "afwijzen",
    )
    done = "doorgevoerd" if approve else "afgewezen"
    assert notice(html) == (
        f"De voorgestelde wijziging van ‘{name}’ is {done}. De beheerder, {beheerder} ({email}), "
        "krijgt hierover een e-mail."
    )


def test_sending_waiting_mail_again_says_how_many_and_to_whom(web, mail_app):
    from geo_registry.domain import actions
    from geo_registry.mail.delivery import Message
    from geo_registry.web import services as app_services

    _status, html = post(web, "/beheer/e-mail", "/beheer/e-mail")
    assert notice(html) == "Er wachtte geen e-mail; er is niets opnieuw verstuurd."
    mail_app.smtp.fail = True
    with mail_app.app_context():
        actions.send_messages(
            app_services.current().store.engine,
            [
                Message("test", "wacht1@voorbeeld.invalid", "Een", "1"),
                Message("test", "wacht2@voorbeeld.invalid", "Twee", "2"),
            ],
        )
    mail_app.smtp.settle()
    _status, html = post(web, "/beheer/e-mail", "/beheer/e-mail")
    assert notice(html).startswith(
        "2 e-mails worden opnieuw verstuurd, aan wacht1@voorbeeld.invalid, wacht2@voorbeeld.invalid."
    )
    mail_app.smtp.settle()
    _status, html = post(web, "/beheer/e-mail?lang=en", "/beheer/e-mail?lang=en")
    assert notice(html).startswith("2 e-mails are being sent again, to wacht1@voorbeeld.invalid")


def test_one_waiting_mail_is_singular(web, mail_app):
    from geo_registry.domain import actions
    from geo_registry.mail.delivery import Message
    from geo_registry.web import services as app_services

    mail_app.smtp.fail = True
    with mail_app.app_context():
        actions.send_messages(app_services.current().store.engine, [Message("t", "een@voorbeeld.invalid", "1", "1")])
    mail_app.smtp.settle()
    _status, html = post(web, "/beheer/e-mail", "/beheer/e-mail")
    assert notice(html).startswith("1 e-mail wordt opnieuw verstuurd, aan een@voorbeeld.invalid.")
    _status, html = post(web, "/beheer/e-mail?lang=en", "/beheer/e-mail?lang=en")
    assert notice(html).startswith("1 e-mail is being sent again, to een@voorbeeld.invalid.")
