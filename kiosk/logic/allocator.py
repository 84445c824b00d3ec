"""How the kiosk process asks glibc's allocator to give memory back.

The kiosk's big allocations are short-lived image buffers of a few hundred KB (decoded
JPEGs, texture uploads on software GL). glibc raises its mmap threshold after the first
such block is freed, so later ones land in the heap, and the freed holes stay resident:
the heap only grows. A fixed threshold keeps them as mappings returned to the system on
free. Worker threads (image decoders, the sender, SQLite readers, the GL rasteriser)
would each get an arena of their own; two are plenty for a kiosk.

    tune_allocator()    # once, first thing, before any thread starts (kiosk/cli.py)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger("kiosk")

# mallopt() parameters, from glibc's <malloc.h>.
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8

MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's own starting value, kept fixed
ARENA_MAX = 2


def tune_allocator() -> bool:
    """Fix glibc's mmap threshold and cap its arenas; False (a no-op) off glibc."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False  # musl, macOS: their allocators have no such knobs
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    done = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1 and mallopt(M_ARENA_MAX, ARENA_MAX) == 1
    if not done:
        log.info("kiosk: mallopt refused the allocator settings; running with glibc's defaults")
    return done
