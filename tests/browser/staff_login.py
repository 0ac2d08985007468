"""Logging in as staff in the browser, as the browser tests do it: the password, then the second factor. An
account without one enrols on the way, reading the secret as text from the enrolment page, as a person who cannot
scan the QR code would; its secret is kept here for the later logins of the same account on the same server."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pyotp

# (server, username) -> (secret, last 30-second step used): a code counts once, so a login after the next step's
# code was used waits for the next step.
SECRETS: dict[tuple[str, str], tuple[str, int]] = {}


def _key(page, username: str) -> tuple[str, str]:
    parts = urlsplit(page.url)
    return f"{parts.scheme}://{parts.netloc}", username.strip().lower()


def unused_code(page, username: str) -> str:
    """A TOTP code of the account that this server has not seen yet: this step's, or the next step's (the server
    accepts a phone whose clock runs a step ahead), so that two logins within 30 seconds need no wait; a third
    waits for the next step."""
    secret, last = SECRETS[_key(page, username)]
    while int(time.time()) // 30 + 1 <= last:
        time.sleep(0.5)
    step = max(int(time.time()) // 30, last + 1)
    SECRETS[_key(page, username)] = (secret, step)
    return pyotp.TOTP(secret).at(step * 30)


def enrol(page, username: str) -> list[str]:
    """On the enrolment page: read the secret, type its code, and return the recovery codes shown."""
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    step = int(time.time()) // 30
    SECRETS[_key(page, username)] = (secret, step)
    page.fill("#code", pyotp.TOTP(secret).at(step * 30))
    with page.expect_navigation():
        page.press("#code", "Enter")
    return page.locator("#herstelcodes code").all_inner_texts()


def log_in(page, user: tuple[str, str], path: str = "/beheer/inloggen") -> None:
    """Open path (a staff page sends its visitor to the login form first), log in as user with the second factor
    (enrolling it when the account has none) and wait for the page the login leads to."""
    page.goto(path)
    page.fill("#gebruikersnaam", user[0])
    page.fill("#wachtwoord", user[1])
    with page.expect_navigation():  # Enter submits the form, whatever the page's language calls the button
        page.press("#wachtwoord", "Enter")
    if urlsplit(page.url).path == "/beheer/tweede-factor":
        enrol(page, user[0])
        with page.expect_navigation():  # on from the recovery codes to the page the login was for
            page.locator("#verder").click()
    elif urlsplit(page.url).path == "/beheer/code":
        page.fill("#code", unused_code(page, user[0]))
        with page.expect_navigation():
            page.press("#code", "Enter")
