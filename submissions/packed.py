"""Per-image arrays as a Score stores them: packed correctness bits and small integers.

The scoring core packs them (scoring.Result.to_bits); these read them back for the
leaderboards (intervals, paired tests, the Ladder), per-class reports and integrity checks.
Pure numpy.
"""

import numpy as np


def unpack_bits(packed: bytes, n: int) -> np.ndarray:
    """Per-image booleans from np.packbits output (big-endian bit order), n of them."""
    return np.unpackbits(np.frombuffer(bytes(packed), dtype=np.uint8), count=n).astype(bool)


def unpack_values(packed: bytes, n: int) -> np.ndarray:
    """Per-image small integers stored as 1, 2 or 4 bytes each (costs, labels)."""
    width = len(packed) // n if n else 1
    dtype = {1: np.uint8, 2: np.int16, 4: np.int32}.get(width)
    if dtype is None or width * n != len(packed):
        raise ValueError(f"{len(packed)} bytes do not hold {n} per-image values")
    return np.frombuffer(bytes(packed), dtype=dtype).astype(np.int64)
