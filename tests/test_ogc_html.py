"""Issue 23 point 7: every OGC API resource also as a web page (f=html or Accept: text/html) that links to its JSON
and back (rel=alternate), so a person can browse from the landing page to every feature, in Dutch and English;
timeStamp in feature collections; the OGC API Common conformance classes declared."""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from visible_text import dutch_messages, untranslated, visible_lines

ROOT = "/api/v1"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # what Firefox and Chromium send
RESOURCES = ["", "/conformance", "/collections", "/collections/buurten", "/collections/buurten/items",
             "/collections/buurten/items/BU04170320"]  # fmt: skip


@pytest.fixture
def api(examples_app):
    return examples_app.test_client()


class Links(HTMLParser):
    """The hrefs of a page's <a> and <link> elements, with their rel and type."""

    def __init__(self):
        super().__init__()
        self.found: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("a", "link") and dict(attrs).get("href"):
            self.found.append({"tag": tag, **dict(attrs)})


def links_in(html: str) -> list[dict]:
    parser = Links()
    parser.feed(html)
    return parser.found


def path_of(href: str) -> str:
    return re.sub(r"^https?://[^/]+", "", href)


@pytest.mark.parametrize("path", RESOURCES)
def test_every_resource_as_a_web_page_by_f_or_by_accept(api, path):
    by_f = api.get(f"{ROOT}{path}?f=html")
    by_accept = api.get(ROOT + path, headers={"Accept": BROWSER})
    for response in (by_f, by_accept):
        assert response.status_code == 200 and response.mimetype == "text/html"
        assert "Accept" in response.headers["Vary"]
    program = api.get(ROOT + path, headers={"Accept": "*/*"})  # a program's Accept (or none) keeps JSON
    assert program.mimetype in ("application/json", "application/geo+json")
    # JSON -> HTML and HTML -> JSON, each by rel=alternate.
    to_html = [link for link in program.get_json()["links"] if link["rel"] == "alternate"]
    assert [link["type"] for link in to_html] == ["text/html"]
    assert api.get(path_of(to_html[0]["href"])).mimetype == "text/html"
    [to_json] = [link for link in links_in(by_f.get_data(as_text=True)) if link.get("rel") == "alternate"]
    assert to_json["tag"] == "link" and to_json["type"] == program.mimetype
    assert api.get(path_of(to_json["href"])).get_json() is not None


def test_a_person_can_browse_from_the_landing_page_to_every_feature(api):
    seen, queue = set(), [f"{ROOT}?f=html"]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = api.get(url)
        assert response.status_code == 200 and response.mimetype == "text/html", url
        for link in links_in(response.get_data(as_text=True)):
            href = path_of(link["href"])
            if href.startswith(ROOT) and "f=html" in href and link["tag"] == "a" and "lang=" not in href:
                queue.append(href)
    features = {url.split("/items/")[1].split("?")[0] for url in seen if "/items/" in url}
    buurten = {f["id"] for f in api.get(f"{ROOT}/wijken-geojson").get_json()["features"]}
    groups = {str(f["id"]) for f in api.get(f"{ROOT}/groups-geojson").get_json()["features"]}
    assert features == buurten | groups
    assert f"{ROOT}/conformance?f=html" in seen and f"{ROOT}/collections?f=html" in seen


def test_the_items_page_pages_through_by_previous_and_next(api):
    html = api.get(f"{ROOT}/collections/buurten/items?f=html&limit=4&offset=4").get_data(as_text=True)
    rels = {link.get("rel"): path_of(link["href"]) for link in links_in(html) if link.get("rel") in ("prev", "next")}
    assert "offset=0" in rels["prev"] and "offset=8" in rels["next"] and "f=html" in rels["next"]
    assert "4 van 10 objecten" in html


def data_names(api) -> set[str]:
    """What the register holds and the pages show as it is: the collections' names and titles, the features'
    property names and values and shape types (data and identifiers, the same in either language)."""
    names = {"groups", "buurten", "True", "False"}
    for collection in api.get(f"{ROOT}/collections").get_json()["collections"]:
        names.add(collection["title"])
    for download in ("groups-geojson", "wijken-geojson"):
        for feature in api.get(f"{ROOT}/{download}").get_json()["features"]:
            names.add(feature["geometry"]["type"])
            names |= {str(name) for name in feature["properties"]}
            names |= {str(value) for value in feature["properties"].values() if value is not None}
    return names


@pytest.mark.parametrize("path", RESOURCES)
def test_the_web_pages_in_english_show_no_dutch(api, examples_app, path):
    dutch = api.get(f"{ROOT}{path}?f=html&lang=nl")
    english = api.get(ROOT + path, headers={"Accept": BROWSER, "Accept-Language": "en"})
    assert dutch.headers["Content-Language"] == "nl" and english.headers["Content-Language"] == "en"
    assert '<html lang="en">' in english.get_data(as_text=True)
    names = data_names(api)
    lines = visible_lines(english.get_data(as_text=True))
    found = untranslated(lines, visible_lines(dutch.get_data(as_text=True)), names, dutch_messages())
    assert found == []
    # Its links keep the language chosen by lang= (the API remembers nothing between requests).
    chosen = api.get(f"{ROOT}{path}?f=html&lang=en").get_data(as_text=True)
    inner = [link["href"] for link in links_in(chosen) if "f=html" in link["href"] and "lang=nl" not in link["href"]]
    assert inner and all("lang=en" in href for href in inner)


def test_text_from_the_register_is_shown_as_text(api, examples_app):
    from helpers import register_pending

    from geo_registry.web import services as app_services

    hostile = '<script>alert("x")</script> & <b>vet</b>'
    group_id = register_pending(examples_app, name=hostile)
    with examples_app.app_context():
        app_services.current().store.set_status(group_id, "active")
    for path in (f"/collections/groups/items/{group_id}", "/collections/groups/items"):
        html = api.get(f"{ROOT}{path}?f=html").get_data(as_text=True)
        assert "<script>alert" not in html and "<b>vet</b>" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;vet&lt;/b&gt;" in html


def test_feature_collections_carry_a_timestamp(api):
    before = datetime.now(UTC).replace(microsecond=0)
    body = api.get(f"{ROOT}/collections/groups/items").get_json()
    stamp = datetime.fromisoformat(body["timeStamp"])
    assert body["timeStamp"].endswith("Z") and stamp.tzinfo is not None
    assert before <= stamp <= datetime.now(UTC)


def test_the_ogc_api_common_conformance_classes_are_declared(api):
    conforms = set(api.get(f"{ROOT}/conformance").get_json()["conformsTo"])
    common = "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/"
    features = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
    assert {common + name for name in ("core", "json", "html", "oas30")} <= conforms
    assert {features + name for name in ("core", "geojson", "html", "oas30")} <= conforms


def test_the_web_pages_hold_no_private_data(api):
    from helpers import PRIVATE_EMAILS

    for path in RESOURCES + ["/collections/groups/items", "/collections/groups/items/1"]:
        html = api.get(f"{ROOT}{path}?f=html").get_data(as_text=True)
        assert not [secret for secret in PRIVATE_EMAILS + ["Voorbeeldbeheerder"] if secret in html], path
