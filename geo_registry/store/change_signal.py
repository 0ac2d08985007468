"""A cross-process signal that the register may have changed: a counter in a small file that every process of one
installation maps into memory. A process raises it after it commits a change; a server process compares it with
the value it last saw on every request (a read of its own memory, no system call, no database round trip) and
asks the database for the register's version only when it moved, or when its periodic look is due.

The database stays the truth: the signal only makes a look happen sooner. A writer that does not raise it (a
process with another instance folder, another host on the same PostgreSQL database, a hand-made SQL change) is
still seen at the periodic look (Registry.recheck_seconds)."""

from __future__ import annotations

import fcntl
import logging
import mmap
import os
from pathlib import Path

log = logging.getLogger(__name__)
SIZE = 8  # one unsigned 64-bit counter, little-endian


class ChangeSignal:
    """The counter in the file at path, mapped into this process's memory (made, zero, when missing)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            # Two processes may both find it empty: extending to the same size twice keeps what the first wrote.
            if os.fstat(fd).st_size < SIZE:
                os.ftruncate(fd, SIZE)
            self._map = mmap.mmap(fd, SIZE)  # (it keeps a descriptor of its own, closed with it)
        finally:
            os.close(fd)
        self.path = path

    @classmethod
    def at(cls, path: Path | None) -> ChangeSignal | None:
        """The signal at path, or None when there is none (no path, or a file system that cannot map it: then the
        periodic look alone notices other processes' changes)."""
        if path is None:
            return None
        try:
            return cls(Path(path))
        except OSError as error:
            log.warning(
                "No change signal at %s (%s): other processes' changes are seen at the periodic look", path, error
            )
            return None

    def value(self) -> int:
        """The counter as it is now (a torn read while another process raises it only causes one more look)."""
        return int.from_bytes(self._map[:SIZE], "little")

    def raise_(self) -> None:
        """Raise the counter by one, after a commit (locked, so that two processes raising at once both count). A
        failure is logged, never raised: the change is committed, and the periodic look will find it."""
        try:
            fd = os.open(self.path, os.O_RDWR)
        except OSError as error:
            log.warning("Change signal %s not raised (%s)", self.path, error)
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # released when fd is closed
            self._map[:SIZE] = ((self.value() + 1) % 2**64).to_bytes(SIZE, "little")
        finally:
            os.close(fd)
