"""Logging in as staff in the browser, as the browser tests do it."""

from __future__ import annotations


def log_in(page, user: tuple[str, str], path: str = "/beheer/inloggen") -> None:
    """Open path (a staff page sends its visitor to the login form first), log in as user and wait for the page
    the login leads to."""
    page.goto(path)
    page.fill("#gebruikersnaam", user[0])
    page.fill("#wachtwoord", user[1])
    with page.expect_navigation():  # Enter submits the form, whatever the page's language calls the button
        page.press("#wachtwoord", "Enter")
