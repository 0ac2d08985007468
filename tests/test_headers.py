"""The Content-Security-Policy lets only the app's own scripts run: files from this origin and the inline map
script that carries this response's nonce; never an inline event handler or an injected <script>."""

import json
import re

import pytest
from helpers import login, make_app, register_pending

PUBLIC = [
    "/",
    "/?lang=en",
    "/?postcode=1251KV&huisnummer=12",
    "/?lat=52.25&lon=5.22",
    "/overzicht",
    "/informatie/",
    "/informatie/privacy",
    "/groep-aanmelden/",
    "/groep-aanmelden/?lang=en",
    "/groep/1/aanmelden",
    "/api/docs",
    "/api/groups",
    "/bestaat-niet",
    "/beheer/inloggen",
    "/taal/en",
]
STAFF = [
    "/beheer/",
    "/beheer/groep/{pending}",
    "/beheer/groep/1",
    "/beheer/groep/1?lang=en",
    "/beheer/groep/1/bewerken",
    "/beheer/groep/1/verwijderen",
    "/beheer/dekking",
    "/beheer/dekking?lang=en",
    "/beheer/logboek",
    "/beheer/e-mail",
]


def script_src(policy: str) -> str:
    """The script-src directive of a policy."""
    return next(d.strip() for d in policy.split(";") if d.strip().startswith("script-src "))


def check_page(response, url):
    """No 'unsafe-inline' for scripts; every inline script carries the response's nonce; no handler attributes."""
    policy = response.headers["Content-Security-Policy"]
    directive = script_src(policy)
    assert "'unsafe-inline'" not in directive and "unsafe-eval" not in directive, (url, directive)
    assert "script-src-attr 'none'" in policy, url
    # Styles only from this origin's stylesheets: an inline style in a page would not be applied.
    assert "style-src 'self';" in policy and "'unsafe-inline'" not in policy, (url, policy)
    nonce = re.search(r"'nonce-([^']+)'", directive)
    html = response.get_data(as_text=True)
    for tag in re.findall(r"<script\b[^>]*>", html, re.IGNORECASE):
        if "src=" in tag:
            assert re.search(r'src="/', tag), (url, tag)  # a file of this origin
        else:
            assert nonce and f'nonce="{nonce.group(1)}"' in tag, (url, tag)
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", html, re.IGNORECASE), url
    assert not re.search(r"<[^>]*\sstyle\s*=|<style\b", html, re.IGNORECASE), url
    assert "javascript:" not in html.lower(), url


@pytest.mark.slow
def test_no_page_lets_inline_script_run_without_the_nonce(mail_app, staff_user):
    client = mail_app.test_client()
    for url in PUBLIC:
        check_page(client.get(url), url)
    pending = register_pending(mail_app)
    login(client, *staff_user)
    for url in STAFF:
        url = url.format(pending=pending)
        response = client.get(url)
        assert response.status_code == 200, url
        check_page(response, url)


def test_map_pages_carry_their_script_with_a_new_nonce_each_time(examples_app):
    client = examples_app.test_client()
    first, second = client.get("/"), client.get("/")
    nonces = [re.search(r"'nonce-([^']+)'", r.headers["Content-Security-Policy"]).group(1) for r in (first, second)]
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 22
    for response, nonce in zip((first, second), nonces):
        assert f'<script nonce="{nonce}">' in response.get_data(as_text=True)
        assert "GeoRegistry.attachMap(" in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ['Brink <img src=x onerror="alert(1)">', "Brink </script><script>alert(1)</script>"])
def test_a_name_cannot_end_the_map_script(tmp_path, name):
    app = make_app(tmp_path)
    group_id = register_pending(app, name)
    with app.app_context():
        from geo_registry.domain.groups import GroupStatus
        from geo_registry.web import services as app_services

        app_services.current().store.set_status(group_id, GroupStatus.ACTIVE)
    html = app.test_client().get("/").get_data(as_text=True)
    script = html.split('<script nonce="')[1]
    assert "<script" not in script.split("</script>")[0] and "<img" not in script.split("</script>")[0]
    assert json.dumps(name).replace("<", "\\u003c").replace(">", "\\u003e") in script  # in it as JSON text


def test_each_group_swatch_class_gives_the_groups_map_colour():
    """The legend's swatches are coloured by class (no inline style): each class in site.css is the colour the
    same group gets on the map, for every colour of the palette."""
    from geo_registry.core.config import ROOT
    from geo_registry.spatial.public import PALETTE, group_colour
    from geo_registry.web.maps import group_swatch

    css = (ROOT / "static" / "css" / "site.css").read_text(encoding="utf-8")
    colours = dict(re.findall(r"\.(swatch-colour-\d+) \{ background: (#[0-9A-Fa-f]{6}); \}", css))
    for group_id in range(1, 3 * len(PALETTE)):
        assert colours[group_swatch(group_id)] == group_colour(group_id), group_id
