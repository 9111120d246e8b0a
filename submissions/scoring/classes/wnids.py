"""Vectorized lookup of WNID numbers (the 8 digits after ``n``) to class ids, at any class count.

A collision-free modulus needs a table of about ``n**2 / 2`` slots (the birthday bound):
1 MB at 1,000 classes, 477 MB at 21,841. So small class sets keep that one-gather table,
and larger ones use open addressing with linear probing (at most a quarter full), probed
for all tokens at once, one probe step per round, until every token is found or hits an
empty slot.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["WnidTable"]

_DIRECT_SLOTS = 1 << 21  # a collision-free modulus table up to this size (n <= 2048)
_FIBONACCI = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio: spreads nearby numbers apart


class WnidTable:
    """Maps WNID numbers to class ids: ``numbers[i]`` is the WNID number of class ``i + 1``.

    Raises ``ValueError`` when the numbers repeat or are outside ``0..99999999``.
    """

    def __init__(self, numbers: Sequence[int]) -> None:
        values = np.asarray(numbers, dtype=np.int64).reshape(-1)
        n = len(values)
        if n and (int(values.min()) < 0 or int(values.max()) > 99_999_999):
            raise ValueError("WNID numbers have 8 digits")
        if len(np.unique(values)) != n:
            raise ValueError("WNID numbers repeat")
        self.n_classes = n
        id_dtype = np.int16 if n <= np.iinfo(np.int16).max else np.int32
        self._number_of = np.concatenate(([-1], values))  # class id -> its number; 0 -> none
        modulus = max(2 * n, n * n // 2)
        self._modulus = 0
        if modulus <= _DIRECT_SLOTS:
            while len(np.unique(values % modulus)) != n:
                modulus += 1
            self._modulus = modulus
            self._direct = np.zeros(modulus, dtype=id_dtype)
            self._direct[values % modulus] = np.arange(1, n + 1)
            return
        self._bits = max(4, (4 * n - 1).bit_length())
        slots = 1 << self._bits
        self._slot_id = np.zeros(slots, dtype=np.int32)  # 0: empty
        home = self._home(values).tolist()
        slot_id = self._slot_id
        mask = slots - 1
        self.max_probes = 1
        for class_id, slot in enumerate(home, start=1):
            probes = 1
            while slot_id[slot]:
                slot = (slot + 1) & mask
                probes += 1
            slot_id[slot] = class_id
            self.max_probes = max(self.max_probes, probes)

    def _home(self, values: np.ndarray) -> np.ndarray:
        """The first slot probed for each number (Fibonacci hashing: the top bits of a product)."""
        product = values.astype(np.uint64) * _FIBONACCI
        return (product >> np.uint64(64 - self._bits)).astype(np.intp)

    def ids(self, values: np.ndarray) -> np.ndarray:
        """Class id of each WNID number (int32), 0 where no class has that number."""
        values = np.asarray(values, dtype=np.int64).reshape(-1)
        if self._modulus:
            found = np.take(self._direct, values % self._modulus).astype(np.int32)
            found[np.take(self._number_of, found) != values] = 0
            return found
        out = np.zeros(len(values), dtype=np.int32)
        pending = np.arange(len(values))
        slot = self._home(values)
        mask = len(self._slot_id) - 1
        for _ in range(self.max_probes):
            candidate = np.take(self._slot_id, slot)
            hit = np.take(self._number_of, candidate) == values[pending]
            out[pending[hit]] = candidate[hit]
            more = ~hit & (candidate != 0)  # an empty slot ends the search: unknown number
            pending = pending[more]
            if not len(pending):
                break
            slot = (slot[more] + 1) & mask
        return out
