"""A beheerder registers a group: every check on the form, the confirmation link, and nothing public early."""

import base64
import io
import json
import re
import time

import pytest
from helpers import csrf_token

from geo_registry.domain.tokens import make_token
from geo_registry.web import settings as app_settings

URL = "/groep-aanmelden/"
BEHEERDER = "nieuwe.beheerder@voorbeeld.invalid"


def square(lon, lat, size):
    """A WGS84 square GeoJSON Feature with its south-west corner at (lon, lat)."""
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


@pytest.fixture
def web(mail_app):
    return mail_app.test_client()


def post(web, token=None, **fields):
    data = {
        "csrf_token": token or csrf_token(web, URL),
        "naam": "Buurtapp Postiljon",
        "beheerder_naam": "Nieuwe Beheerder",
        "email": BEHEERDER,
        "mobiel": "06 12345678",
        "actie": "aanmelden",
    }
    data.update(fields)
    return web.post(URL, data={k: v for k, v in data.items() if v is not None}, content_type="multipart/form-data")


def page(response):
    return response.get_data(as_text=True)


def statuses(app):
    with app.app_context():
        from geo_registry.web import services as app_services

        return {g.name: g.status for g in app_services.current().store.list(status=None)}


def test_form_offers_buurten_map_and_upload(web):
    html = page(web.get(URL))
    assert html.count('name="buurten"') == 10
    assert re.search(r"/vendor/leaflet-draw/leaflet\.draw\.[0-9a-f]{12}\.js", html) and 'type="file"' in html
    assert 'id="gebied_getekend"' in html and "attachDraw" in html


def test_post_without_csrf_token_is_refused(web):
    response = web.post(URL, data={"naam": "x"})
    assert response.status_code == 400 and "formulier is verlopen" in page(response)


def test_missing_fields_are_named_and_input_is_kept(web):
    response = post(web, naam="", email="geen-adres", mobiel="0201234567", beheerder_naam="Piet")
    html = page(response)
    assert response.status_code == 400
    assert "Vul de naam van de groep in." in html
    assert "Vul een geldig e-mailadres in" in html
    assert "Nederlands mobiel nummer" in html
    assert "Geef het gebied van de groep" in html
    assert 'value="geen-adres"' in html and 'value="Piet"' in html and 'value="0201234567"' in html
    assert re.search(r'id="email"[^>]*aria-invalid="true"[^>]*aria-describedby="email-hint email-fout"', html)
    assert "Buurtapp Postiljon" not in statuses(web.application)


@pytest.mark.parametrize(
    "upload, message",
    [
        ({"type": "Point", "coordinates": [5.22, 52.25]}, "moet een vlak zijn"),
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [
                        [5.22, 52.25],
                        [5.23, 52.25],
                        [5.23, 52.26],
                        [5.225, 52.26],
                        [5.225, 52.27],
                        [5.225, 52.26],
                        [5.22, 52.26],
                        [5.22, 52.25],
                    ]
                ],
            },
            "heen en terug over dezelfde lijn",
        ),
        (square(5.2255, 52.2555, 0.0002), "te klein"),
        (square(5.10, 52.15, 0.25), "groter dan heel Laren"),
        (square(4.90, 52.37, 0.01), "helemaal buiten Laren"),
        ("{kapot", "geen geldig GeoJSON"),
        (
            {
                "type": "Polygon",
                "coordinates": [[[143000, 474000], [143500, 474000], [143500, 474500], [143000, 474000]]],
            },
            "geen lengte- en breedtegraden",
        ),
    ],
)
def test_area_problems_get_a_clear_message(web, upload, message):
    body = upload if isinstance(upload, str) else json.dumps(upload)
    response = post(web, gebied_bestand=(io.BytesIO(body.encode()), "gebied.geojson"))
    assert response.status_code == 400
    assert message in page(response)
    assert 'value="Buurtapp Postiljon"' in page(response)


def test_too_many_vertices(web):
    import math

    ring = [
        [5.225 + 0.003 * math.cos(i / 6000 * 2 * math.pi), 52.256 + 0.002 * math.sin(i / 6000 * 2 * math.pi)]
        for i in range(6000)
    ]
    ring.append(ring[0])
    upload = {"type": "Polygon", "coordinates": [ring]}
    response = post(web, gebied_bestand=(io.BytesIO(json.dumps(upload).encode()), "veel.geojson"))
    assert response.status_code == 400 and "te veel hoekpunten (6001; hoogstens 5000)" in page(response)


def test_self_intersection_is_repaired_and_said(web):
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[5.222, 52.252], [5.228, 52.258], [5.228, 52.252], [5.222, 52.258], [5.222, 52.252]]],
    }
    response = post(web, actie="controleren", gebied_getekend=json.dumps(bowtie))
    assert response.status_code == 200 and "kruiste zichzelf; die is hersteld" in page(response)


@pytest.mark.both_databases
def test_part_outside_is_clipped_and_overlaps_are_shown(web):
    # West of Laren-Centrum's group and over the municipal border to the north.
    drawn = square(5.2200, 52.2560, 0.03)
    response = post(web, actie="controleren", gebied_getekend=json.dumps(drawn))
    html = page(response)
    assert response.status_code == 200
    assert re.search(r"Het deel buiten Laren \([\d.]+ m²\) is weggelaten", html)
    assert re.search(r"Voorbeeld: Buurtapp Brink en Centrum: ongeveer [\d,]+ hectare, \d+% van dit gebied", html)
    kept = json.loads(
        re.search(r'id="gebied_getekend" name="gebied_getekend" value="([^"]+)"', html).group(1).replace("&#34;", '"')
    )
    assert kept["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert "Buurtapp Postiljon" not in statuses(web.application)  # checking stores nothing


@pytest.mark.both_databases
def test_registration_by_buurten_confirm_and_not_public_before_review(web, mail_app):
    response = post(web, buurten=["BU04170324"])
    assert response.status_code == 302
    sent = web.get(response.headers["Location"])
    assert "bevestig uw e-mailadres" in page(sent).lower()
    assert statuses(mail_app)["Buurtapp Postiljon"] == "pending_email"
    [mail] = mail_app.smtp.to(BEHEERDER)
    # To an address nobody has confirmed yet: no typed name; the page behind the link names the group.
    assert mail["Subject"] == "Bevestig uw e-mailadres voor de aanmelding van een WhatsApp-buurtpreventiegroep"
    link = re.search(r"http://localhost(/groep-aanmelden/bevestigen/\S+)", mail.get_content()).group(1)
    # The link does not carry the address readably (it ends up in browser histories and server logs).
    carried = base64.urlsafe_b64decode(link.rsplit("/", 1)[1].split(".")[0] + "==").decode()
    assert '"g":' in carried and "voorbeeld.invalid" not in carried and "beheerder" not in carried
    assert "Buurtapp Postiljon" not in page(web.get("/api/groups.geojson"))
    confirm_page = web.get(link)
    assert "Buurtapp Postiljon" in page(confirm_page)
    assert statuses(mail_app)["Buurtapp Postiljon"] == "pending_email"  # following the link changes nothing
    token = re.search(r'name="csrf_token" value="([^"]+)"', page(confirm_page)).group(1)
    done = web.post(link, data={"csrf_token": token})
    assert "wacht nu op beoordeling" in page(done)
    assert statuses(mail_app)["Buurtapp Postiljon"] == "pending_review"
    for url in ["/api/groups.geojson", "/overzicht", "/"]:
        assert "Buurtapp Postiljon" not in page(web.get(url))


def test_expired_and_tampered_links_are_refused(web, mail_app):
    post(web, buurten=["BU04170324"])
    with mail_app.app_context():
        from geo_registry.web import services as app_services

        group_id = next(g.id for g in app_services.current().store.list(status=None) if g.name == "Buurtapp Postiljon")
    old = make_token("test", "confirm-email", {"g": group_id, "e": BEHEERDER}, issued_at=int(time.time()) - 49 * 3600)
    response = web.get(f"/groep-aanmelden/bevestigen/{old}")
    assert response.status_code == 400 and "verlopen" in page(response)
    response = web.get(f"/groep-aanmelden/bevestigen/{old[:-3]}abc")
    assert response.status_code == 400 and "niet geldig" in page(response)
    assert statuses(mail_app)["Buurtapp Postiljon"] == "pending_email"


@pytest.mark.both_databases
def test_failing_smtp_keeps_the_registration_and_its_mail(web, mail_app):
    mail_app.smtp.fail = True
    response = post(web, buurten=["BU04170324"])
    assert "onderweg" in page(web.get(response.headers["Location"]))
    assert statuses(mail_app)["Buurtapp Postiljon"] == "pending_email"
    mail_app.smtp.settle()  # the worker has tried, and failed
    with mail_app.app_context():
        from geo_registry.web import services as app_services

        waiting = app_services.current().mailer.pending()
        assert [m["recipient"] for m in waiting] == [BEHEERDER] and waiting[0]["attempts"] == 1
        mail_app.smtp.fail = False
        assert app_services.current().mailer.deliver() == (1, 0)
    assert len(mail_app.smtp.to(BEHEERDER)) == 1


def test_honeypot_stores_and_sends_nothing(web, mail_app):
    response = post(web, buurten=["BU04170324"], website="http://spam.example")
    assert response.status_code == 302
    assert "Buurtapp Postiljon" not in statuses(mail_app) and mail_app.smtp.messages == []


def test_registrations_are_rate_limited(web, mail_app):
    app_settings.change(mail_app, REGISTER_LIMIT=2)
    for number in range(2):
        assert post(web, naam=f"Groep {number}", buurten=["BU04170324"]).status_code == 302
    response = post(web, naam="Groep 3", buurten=["BU04170324"])
    assert response.status_code == 429 and "al veel groepen aangemeld" in page(response)
    assert "Groep 3" not in statuses(mail_app)


def test_upload_larger_than_two_megabytes(web):
    from urllib3 import encode_multipart_formdata

    # Encoded here, so that the test client does not spool the body to a file it never closes.
    body, content_type = encode_multipart_formdata(
        {
            "csrf_token": csrf_token(web, URL),
            "naam": "Groot",
            "gebied_bestand": ("groot.geojson", b" " * (2 * 1024 * 1024 + 10), "application/geo+json"),
        }
    )
    response = web.post(URL, data=body, content_type=content_type)
    assert response.status_code == 413 and "te groot" in page(response)
