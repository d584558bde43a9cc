"""Keep the memory freed between batches inside the process (glibc malloc's two thresholds).

Every forward pass allocates and frees activations of a few MB each. glibc malloc serves a
block that large from its own `mmap` and unmaps it again on free, and it returns the free top
of its heap to the system beyond a trim threshold; either way the next batch touches fresh
pages, one page fault per 4 KB. Raising both thresholds keeps those pages (the fault counts
measured with and without are in docs/model-card.md, "Inference precision and memory").

The price is that up to `trim_bytes` of freed memory stays with the process instead of
going back to the system; its peak is unchanged. Settings are process-wide and only exist in
glibc: elsewhere (musl, macOS, Windows) this does nothing.
"""

from __future__ import annotations

import ctypes
import platform
from typing import Any

# mallopt parameter numbers from glibc's <malloc.h>
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
TRIM_BYTES = 256 << 20
# glibc's largest allowed mmap threshold on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX); an
# activation of 2,048 tokens x 1,536 fp32 features (the largest batch) is 12.6 MB
MMAP_BYTES = 32 << 20

_applied: bool | None = None


def keep_freed_memory(trim_bytes: int = TRIM_BYTES, mmap_bytes: int = MMAP_BYTES) -> bool:
    """Set glibc's trim and mmap thresholds once per process; True where they are in force."""
    global _applied
    if _applied is None:
        mallopt = _glibc_mallopt()
        # glibc's mallopt returns 1 on success, 0 for a value out of range
        _applied = (
            mallopt is not None
            and mallopt(ctypes.c_int(M_MMAP_THRESHOLD), ctypes.c_int(mmap_bytes)) == 1
            and mallopt(ctypes.c_int(M_TRIM_THRESHOLD), ctypes.c_int(trim_bytes)) == 1
        )
    return _applied


def _glibc_mallopt() -> Any:
    if platform.libc_ver()[0] != "glibc":
        return None
    return getattr(ctypes.CDLL(None), "mallopt", None)
