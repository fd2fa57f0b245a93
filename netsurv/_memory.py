"""Handing the C heap's free memory back to the system (glibc's ``malloc_trim``).

The C allocator keeps what a large computation freed for later allocations, so a process's
resident memory stays at its peak after the computation.  :func:`release_memory` hands the
freed pages back; a run calls it after each step (:mod:`netsurv.pipeline`), its forked
children after each analysis stage (:mod:`netsurv.pipeline.workers`), and a long computation
between a large transient phase and a long lighter one (the threshold sweep after
reclassifying every line, :func:`netsurv.sweep.sweep`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Callable
from typing import cast

__all__ = ["release_memory"]


def release_memory() -> None:
    """Hand the heap's free memory back to the system (glibc's ``malloc_trim``; nothing
    elsewhere).

    Freed pages are handed back, not moved: nothing computed changes.  (No garbage
    collection: a full one takes ~0.5 s in a run's process and frees little, as a run's
    frames hold no reference cycles.)

    Examples
    --------
    >>> release_memory()
    """
    if _TRIM is not None:
        _TRIM(0)


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None (another C library, or another platform)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return cast(Callable[[int], int], libc.malloc_trim)
    except (OSError, AttributeError):  # musl has no malloc_trim
        return None


_TRIM = _malloc_trim()
