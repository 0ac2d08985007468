"""The rate limiter's counts in this process's memory, without a thread per request.

limits' MemoryStorage drops expired counts from a threading.Timer, and starts a new one on any hit that comes more
than 10 ms after the previous timer ran: under load nearly every limited POST started (and waited for) a thread
(issue 24). Here the requests drop them themselves, at most once a second. Whether a client is over a limit never
depended on that clean-up: every check compares timestamps itself; the clean-up only frees memory."""

from __future__ import annotations

import time

from limits.storage import MemoryStorage

SCHEME = "geo-registry-memory"


class QuietMemoryStorage(MemoryStorage):
    """limits' memory storage, its expired counts dropped by the next hit at most every EXPIRE_SECONDS."""

    STORAGE_SCHEME = [SCHEME]
    EXPIRE_SECONDS = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()  # the one timer MemoryStorage starts when it is made; none after it
        self._expired_at = time.monotonic()

    def _MemoryStorage__schedule_expiry(self) -> None:
        """Called by MemoryStorage on every hit in place of starting a timer: expire now if a second has passed."""
        now = time.monotonic()
        if now - self._expired_at >= self.EXPIRE_SECONDS:
            self._expired_at = now
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def quiet_uri(uri: str) -> str:
    """The storage URI to give Flask-Limiter: memory:// becomes this storage; any other stays as it is."""
    return SCHEME + uri[len("memory") :] if uri.startswith("memory://") else uri
