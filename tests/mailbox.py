"""Waiting for e-mail at the test SMTP server: delivery may happen after the request (a worker sends it)."""

from __future__ import annotations

import re
import time


def wait_for_mail(smtp, address: str, count: int = 1, timeout: float = 15.0) -> list:
    """Return the messages sent to address once at least count have arrived (fail after timeout seconds)."""
    deadline = time.monotonic() + timeout
    while len(smtp.to(address)) < count:
        assert time.monotonic() < deadline, f"no {count} message(s) for {address}: {len(smtp.to(address))}"
        time.sleep(0.05)
    return smtp.to(address)


def link_in(message, pattern: str) -> str:
    """Return the path of the first link in message's body whose path matches pattern."""
    match = re.search(r"https?://[^/\s]+(" + pattern + r"\S*)", message.get_content())
    assert match, f"no link matching {pattern} in: {message.get_content()}"
    return match.group(1)
