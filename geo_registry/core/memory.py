"""Giving memory back to the system after a one-off build (the buurten's outline, a snapshot from scratch)."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _malloc_trim():
    """glibc's malloc_trim, or None where the C library has none (musl, macOS, Windows)."""
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None


def release_freed_memory() -> bool:
    """Hand freed heap memory back to the system; return whether that could be done here.

    GEOS and SQLite free what a big build needed for a while (the union of 13,000 buurten: ~80 MiB), but glibc
    keeps it in its heaps, above all in the heap of the thread that made it, and the process stays that size."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
