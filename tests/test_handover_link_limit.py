"""One personal link is one link for the limit on handovers, however its text is varied: the signature at its end
decodes the same with another last letter or with '=' padding added, and each such variant once counted as a link
of its own (129 of them, so a leaked link with many clients could mail 129 times as many strangers)."""

import pytest
from helpers import csrf_token
from test_renewal import age_group, renewal_path, round_

from geo_registry.web import settings as app_settings


@pytest.fixture
def due(mail_app):
    """Group 1 last confirmed 400 days ago, so the round mails its beheerder a personal link."""
    age_group(mail_app, 1, 400)
    return mail_app


def variants(path: str) -> list[str]:
    """The same link as the app accepts it: the last letter's spare bits changed, '=' padding added."""
    stem, last = path[:-1], path[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    base = alphabet.index(last) & ~3  # the two spare bits of the last base64 letter of a 20-byte signature
    return [stem + alphabet[base + bits] for bits in range(4)] + [path + "=" * n for n in (1, 7, 40)]


def test_variants_of_one_personal_link_share_its_handover_limit(due):
    app_settings.change(due, HANDOVER_LIMIT=2)
    round_(due)
    path = renewal_path(due)
    answers = []
    for n, variant in enumerate(variants(path)):
        client = due.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"  # each from its own client
        answers.append(
            client.post(
                variant + "/overdragen",
                data={
                    "csrf_token": csrf_token(client, variant),
                    "nieuwe_naam": f"Nico {n}",
                    "nieuw_email": f"nico{n}@voorbeeld.invalid",
                },
            ).status_code
        )
    assert answers[:2] == [200, 200] and set(answers[2:]) == {429}, answers
    due.smtp.settle()
    assert sum(len(due.smtp.to(f"nico{n}@voorbeeld.invalid")) for n in range(len(answers))) == 2
