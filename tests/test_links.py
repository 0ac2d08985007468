"""Signed links as the person who clicks one sees them: an expired link says that it has expired and what to do,
in the visitor's language; a tampered one says only that it is not valid."""

import base64
import time

import pytest

from geo_registry.domain.tokens import (
    LinkInvalid,
    fingerprint,
    make_sealed_token,
    make_token,
    read_sealed_token,
    read_token,
)

EXPIRED = {
    "nl": "Deze link is verlopen. Vraag een nieuwe aan.",
    "en": "This link has expired. Please ask for a new one.",
}
INVALID = {"nl": "Deze link is niet geldig.", "en": "This link is not valid."}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_an_expired_confirmation_link_says_so_in_the_visitors_language(client, lang):
    old = make_token(
        "test", "confirm-email", {"g": 1, "e": "rita@voorbeeld.invalid"}, issued_at=int(time.time()) - 49 * 3600
    )
    response = client.get(f"/groep-aanmelden/bevestigen/{old}?lang={lang}")
    assert response.status_code == 400
    assert EXPIRED[lang] in response.get_data(as_text=True)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_tampered_link_is_not_valid_and_not_called_expired(client, lang):
    token = make_token("test", "confirm-email", {"g": 1, "e": "rita@voorbeeld.invalid"})
    response = client.get(f"/groep-aanmelden/bevestigen/{token[:-3]}abc?lang={lang}")
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert INVALID[lang] in text and EXPIRED[lang] not in text


def test_a_link_is_valid_only_for_its_purpose_its_secret_and_its_lifetime():
    """A confirmation link does not work as a handover link, nor with another site's secret, nor once expired;
    while valid it gives back exactly what was signed."""
    payload = {"g": 7, "e": fingerprint("geheim", "bo@voorbeeld.invalid")}
    token = make_token("geheim", "confirm-email", payload, issued_at=int(time.time()) - 100)
    assert read_token("geheim", "confirm-email", token, max_age_seconds=3600) == payload
    with pytest.raises(LinkInvalid) as other_purpose:
        read_token("geheim", "handover", token, max_age_seconds=3600)
    assert str(other_purpose.value) == INVALID["nl"]
    with pytest.raises(LinkInvalid) as other_secret:
        read_token("ander-geheim", "confirm-email", token, max_age_seconds=3600)
    assert str(other_secret.value) == INVALID["nl"]
    with pytest.raises(LinkInvalid) as expired:
        read_token("geheim", "confirm-email", token, max_age_seconds=50)
    assert str(expired.value) == EXPIRED["nl"]
    fresh = make_token("geheim", "confirm-email", payload)
    assert read_token("geheim", "confirm-email", fresh, max_age_seconds=50) == payload


def test_a_sealed_link_is_valid_only_for_its_purpose_its_secret_and_its_lifetime_and_hides_its_payload():
    """A handover link (sealed: encrypted and signed) gives back exactly what was sealed, for its purpose and
    secret only, until it expires; a changed or foreign token is not valid and is not called expired."""
    payload = {"g": 7, "n": "Bo Bakker", "e": "bo@voorbeeld.invalid", "c": "2026-01-02T03:04:05"}
    token = make_sealed_token("geheim", "handover", payload, issued_at=int(time.time()) - 100)
    # Nothing of the payload readable (words of six letters or more: two letters occur in random text by chance).
    assert "Bakker" not in token and "voorbeeld" not in token
    assert b"Bakker" not in base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert read_sealed_token("geheim", "handover", token, max_age_seconds=3600) == payload
    for secret, purpose, changed in (
        ("geheim", "renewal", token),
        ("ander-geheim", "handover", token),
        ("geheim", "handover", token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB")),
        ("geheim", "handover", "gAAAAA" + token[6:40]),
        ("geheim", "handover", "é" * 20),
        ("geheim", "handover", make_token("geheim", "handover", payload)),
    ):
        with pytest.raises(LinkInvalid) as refused:
            read_sealed_token(secret, purpose, changed, max_age_seconds=3600)
        assert str(refused.value) == INVALID["nl"], (secret, purpose, changed)
    with pytest.raises(LinkInvalid) as expired:
        read_sealed_token("geheim", "handover", token, max_age_seconds=50)
    assert str(expired.value) == EXPIRED["nl"]
    months_old = make_sealed_token("geheim", "handover", payload, issued_at=int(time.time()) - 90 * 86400)
    with pytest.raises(LinkInvalid) as long_expired:
        read_sealed_token("geheim", "handover", months_old, max_age_seconds=48 * 3600)
    assert str(long_expired.value) == EXPIRED["nl"]
    fresh = make_sealed_token("geheim", "handover", payload)
    assert read_sealed_token("geheim", "handover", fresh, max_age_seconds=50) == payload


def test_an_address_fingerprint_is_keyed_stable_and_hides_the_address():
    """Links carry a fingerprint of the address instead of the address: the same for the same address and
    secret in every version (links already mailed keep working), another for another address or secret, and
    without the address in it."""
    carried = fingerprint("geheim", "bo@voorbeeld.invalid")
    assert carried == "7bb0551900b2c4b5646adb08d0805eba"  # HMAC-SHA256, first 32 hex digits: links in mailboxes
    assert fingerprint("geheim", "bo@voorbeeld.invalid") == carried
    assert fingerprint("ander-geheim", "bo@voorbeeld.invalid") != carried
    assert fingerprint("geheim", "bea@voorbeeld.invalid") != carried
    assert len(carried) == 32 and set(carried) <= set("0123456789abcdef")  # digits only: no trace of the address
