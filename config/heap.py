"""The workers' heap: memory freed after one file is kept for the next.

Reading a file makes arrays of up to a few MB (a window's token positions and values) and frees
them. With glibc's defaults many of them are mapped afresh each time (blocks above the mmap
threshold) or handed back to the kernel when freed (the heap trimmed), so the next file's arrays
land on new pages that the kernel zeroes on first touch, one minor fault per 4 KiB. For a 1 MB
classification file that was a fifth of the web worker's CPU, and files of many short lines
(more arrays for the same bytes) paid it three times over, which put them at 1.5x a normal file
of their size (bench/cost.py, issue 23). glibc moves its two thresholds up by itself once it
sees large blocks freed, but not reliably for this pattern: the web and scoring workers set
them once as they start (config/wsgi.py, ``manage.py score_pending``), to values inside the
range glibc would move them to (at most 32 MiB and twice that). bench/cost.py does the same to
measure what the workers run.

What this costs: a worker keeps up to :data:`TRIM_THRESHOLD_BYTES` of freed memory at the top
of each of its heaps instead of returning it. Peaks moved little: 130 to 136 MB on bench/cost.py's
validation path, 249 MB for the web workers and 469-662 MB for the scoring worker in
bench/scale.py's 10M-image uploads, as before.
"""

import ctypes

#: Blocks below this come from the heap (reused), larger ones are mapped and unmapped each time.
MMAP_THRESHOLD_BYTES = 16 << 20
#: Freed memory at the top of a heap is handed back to the kernel once more than this is free.
TRIM_THRESHOLD_BYTES = 32 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h


def keep_freed_memory() -> bool:
    """Set glibc's mmap and trim thresholds (``mallopt``) to :data:`MMAP_THRESHOLD_BYTES` and
    :data:`TRIM_THRESHOLD_BYTES` for the rest of the process.

    Returns whether the C library took them: False where it has no ``mallopt`` (not glibc), and
    the process then runs with its defaults."""
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter runs on
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return (mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
            and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1)
