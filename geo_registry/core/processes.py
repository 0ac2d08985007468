"""Who holds a claim: a process named by its host, its id and its start time, and whether a process named so on
this host has stopped (then its claims can be released at once instead of waiting for them to expire)."""

from __future__ import annotations

import functools
import os
import socket
import uuid
from pathlib import Path


def _start_ticks(pid: int) -> str | None:
    """When process pid started, in clock ticks since boot (Linux's /proc); None when there is no such process
    or no /proc to ask."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return None if Path("/proc/self/stat").exists() else "?"
    except OSError:
        return "?"
    # The command name (field 2) is in parentheses and may hold spaces: count the fields after its last ")".
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else "?"


@functools.cache
def _this_process(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or '?'}:{uuid.uuid4().hex[:8]}"


def identity() -> str:
    """This process as a claim names it: host:pid:start ticks:random (the pid alone may be reused)."""
    return _this_process(os.getpid())


def has_stopped(holder: str) -> bool:
    """Whether holder (an identity()) is a process on this host that no longer runs: gone, or its pid now belongs
    to a process that started at another moment. A process on another host, or a holder that does not name a
    process, is never judged stopped (its claim expires instead)."""
    parts = holder.split(":")
    if len(parts) != 4 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid, started = int(parts[1]), parts[2]
    now_started = _start_ticks(pid)
    if now_started == "?":  # no /proc: whether the pid exists at all is all that can be told
        return not _pid_exists(pid)
    return now_started is None or (started != "?" and now_started != started)


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True
