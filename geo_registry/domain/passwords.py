"""The password policy of local staff accounts: long enough, not a common password, not an easily guessed pattern,
not the username. zxcvbn (MIT licence) supplies both the list of common passwords (its frequency list, from leaked
password sets) and the patterns (repeats, sequences, keyboard walks, words with digits)."""

from __future__ import annotations

import functools

from geo_registry.core.text import _

MIN_PASSWORD = 12
# zxcvbn's score from 0 to 4; 3 is "safely unguessable: moderate protection from an offline slow-hash attack"
# (under 10^10 guesses is refused), which a hashed database dump calls for.
MIN_SCORE = 3
# zxcvbn refuses more than 72 characters (its time grows with the length): a longer password is judged by its start.
CHECKED_LENGTH = 72


def policy(min_length: int = MIN_PASSWORD) -> str:
    """The policy in words, in the current language, for the pages that set a password."""
    return _(
        "Minstens %(n)d tekens. Geen veelgebruikt wachtwoord en geen patroon dat makkelijk te raden is (zoals "
        "aaaa, 1234 of een woord met cijfers erachter), en niet uw gebruikersnaam. Een zin van een paar woorden "
        "werkt goed.",
        n=min_length,
    )


def check_password(password: str, username: str = "", min_length: int = MIN_PASSWORD) -> None:
    """Raise ValueError, with the reason in the current language, when password breaks the policy."""
    password = password or ""
    if len(password) < min_length:
        raise ValueError(_("Het wachtwoord moet minstens %(n)d tekens hebben.", n=min_length))
    name = (username or "").strip().lower()
    if name and name in password.lower():
        raise ValueError(_("Het wachtwoord mag uw gebruikersnaam niet bevatten."))
    # Imported here: zxcvbn builds its dictionaries when imported, which a process that sets no password skips.
    from zxcvbn import zxcvbn

    if password.lower() in _common():
        raise ValueError(_("Dit wachtwoord staat in een lijst van veelgebruikte wachtwoorden. Kies een ander."))
    if zxcvbn(password[:CHECKED_LENGTH], user_inputs=[name] if name else [])["score"] < MIN_SCORE:
        raise ValueError(
            _(
                "Dit wachtwoord is te makkelijk te raden (een herhaling, een reeks of een bekend woord met "
                "cijfers). Kies een langer of minder voorspelbaar wachtwoord."
            )
        )


@functools.cache
def _common() -> frozenset[str]:
    """zxcvbn's list of common passwords as a set (made on first use)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])
