"""Signed links as the person who clicks one sees them: an expired link says that it has expired and what to do,
in the visitor's language; a tampered one says only that it is not valid."""
import time

import pytest

from geo_registry.tokens import make_token

EXPIRED = {"nl": "Deze link is verlopen. Vraag een nieuwe aan.",
           "en": "This link has expired. Please ask for a new one."}
INVALID = {"nl": "Deze link is niet geldig.", "en": "This link is not valid."}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_an_expired_confirmation_link_says_so_in_the_visitors_language(client, lang):
    old = make_token("test", "confirm-email", {"g": 1, "e": "rita@voorbeeld.invalid"},
                     issued_at=int(time.time()) - 49 * 3600)
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
