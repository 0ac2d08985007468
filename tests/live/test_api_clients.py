"""Clients nobody here wrote, against the app served over HTTP: OWSLib (the standard Python OGC client) reads the
landing page, the definition, conformance, both collections and every feature page by page; a client generated
by openapi-python-client from the served document filters by bbox (it sends bbox=5.2&bbox=52.2&...)."""

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from owslib.ogcapi.features import Features

pytestmark = pytest.mark.slow  # HTTP through a real server; the generator runs as its own process

ROOT = Path(__file__).resolve().parents[2]


def test_owslib_reads_the_landing_page_conformance_collections_and_paged_items(live_url):
    # OWSLib adds '/' to the base URL (before: a 404 there, and api() failed with "Did not find service-desc link").
    api = Features(f"{live_url}/api/v1", timeout=10)
    assert api.response["title"] == "WhatsApp-buurtpreventie register"
    assert api.api()["info"]["version"] == "1.0.0"  # found through the landing page's service-desc link
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in api.conformance()["conformsTo"]
    assert sorted(api.feature_collections()) == ["buurten", "groups"]
    for collection_id, count in (("groups", 4), ("buurten", 10)):
        assert api.collection(collection_id)["id"] == collection_id
        seen, offset = [], 0
        while True:
            page = api.collection_items(collection_id, limit=3, offset=offset)
            assert page["numberMatched"] == count and page["numberReturned"] == len(page["features"]) <= 3
            seen += [feature["id"] for feature in page["features"]]
            if not any(link["rel"] == "next" for link in page["links"]):
                break
            offset += 3
        assert len(seen) == len(set(seen)) == count
        every = requests.get(f"{live_url}/api/v1/collections/{collection_id}/items", timeout=10).json()
        assert seen == [feature["id"] for feature in every["features"]]
    boxed = api.collection_items("buurten", bbox=[5.2, 52.2, 5.3, 52.3], limit=50)
    assert boxed["numberMatched"] == 10


@pytest.fixture
def generated_client(live_url, tmp_path):
    """The package openapi-python-client generates from the served document, importable for this test."""
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(requests.get(f"{live_url}/api/v1/openapi.json", timeout=10).json()))
    config = tmp_path / "config.yaml"
    config.write_text(
        "post_hooks: []\npackage_name_override: register_client\nproject_name_override: register_client\n"
    )
    generator = Path(sys.executable).parent / "openapi-python-client"
    subprocess.run(
        [str(generator), "generate", "--path", str(document), "--meta", "none", "--config", str(config)],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("register_client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == "register_client"]:
            del sys.modules[name]


def test_a_generated_client_filters_by_bbox(live_url, generated_client):
    items = importlib.import_module("register_client.api.default.items")
    collection_id = importlib.import_module("register_client.models.items_collection_id").ItemsCollectionId
    sent = []
    hooks = {"request": [lambda request: sent.append(str(request.url))]}
    client = generated_client.Client(base_url=f"{live_url}/api/v1", timeout=10.0, httpx_args={"event_hooks": hooks})
    with client:
        answers = {
            box: items.sync_detailed(client=client, collection_id=collection_id.BUURTEN, bbox=list(box))
            for box in ((5.2, 52.2, 5.3, 52.3), (5.0, 52.0, 5.1, 52.1))
        }
    assert all("bbox=5.2&bbox=52.2&bbox=5.3&bbox=52.3" in url or "bbox=5.0&bbox=52.0" in url for url in sent), sent
    for box, response in answers.items():
        assert response.status_code == 200, response.content  # before: 400, bbox "given more than once"
        expected = requests.get(
            f"{live_url}/api/v1/collections/buurten/items", params={"bbox": ",".join(map(str, box))}, timeout=10
        ).json()
        assert [f["id"] for f in json.loads(response.content)["features"]] == [f["id"] for f in expected["features"]]
    assert json.loads(answers[(5.2, 52.2, 5.3, 52.3)].content)["numberMatched"] == 10
    assert json.loads(answers[(5.0, 52.0, 5.1, 52.1)].content)["numberMatched"] == 0
