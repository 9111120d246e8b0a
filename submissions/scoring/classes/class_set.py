"""The class set of a challenge: leaf classes, their WNIDs, and the is-a hierarchy (a DAG).

ILSVRC ids: leaf classes are ``1..n_classes`` (1000 for ILSVRC2010-2017); internal synsets
have larger ids (1001..1860 in ILSVRC2012, 1001 = ``entity``, the root). The hierarchical
error of ILSVRC2010/2011 uses ``d(pred, truth)`` = 0 when equal, else the smallest
``wordnet_height`` among the common ancestors-or-self of the two classes
(:meth:`ClassSet.lca_costs`, computed by :class:`.lca.LcaIndex`).

Class ids are stored as int16 while the class count allows (<= 32767 classes, as in every
ILSVRC year) and as int32 above (:attr:`ClassSet.label_dtype`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from functools import cached_property
from os import PathLike
from pathlib import Path

import numpy as np

from .lca import LcaIndex
from .tsv import read_class_set_tsv
from .wnids import WnidTable

__all__ = ["ClassSet", "ILSVRC2012_DATA_DIR", "MAX_CLASSES", "WNID_RE", "detection_class_set", "label_dtype_for"]

#: Where the project ships its copy of the ILSVRC2012 devkit data.
ILSVRC2012_DATA_DIR = Path(__file__).resolve().parents[3] / "challenge" / "data" / "ilsvrc2012"

#: A WordNet noun id as used by ImageNet: ``n`` followed by 8 digits.
WNID_RE = re.compile(r"n[0-9]{8}")

#: The most leaf classes a class set may have: ids are written with at most 8 digits.
MAX_CLASSES = 99_999_999
_INT16_CLASSES = 32767


def label_dtype_for(n_classes: int) -> type[np.signedinteger]:
    """The dtype that holds class ids ``0..n_classes``: int16 up to 32767 classes, else int32."""
    return np.int16 if n_classes <= _INT16_CLASSES else np.int32


class ClassSet:
    """The leaf classes (ids ``1..n_classes``) and the is-a hierarchy above them.

    ``wnids[i]`` is the WNID of leaf class ``i + 1``. ``parents`` maps a synset id (leaf or
    internal) to the ids of its parents; synsets missing from it have no parents.
    ``heights`` gives the ``wordnet_height`` of every leaf and every ancestor.
    ``synset_wnids`` (optional) gives WNIDs of internal synsets, only used to explain
    errors ("this is an internal synset"); ``words`` (optional) gives readable names.

    Raises ``ValueError`` when the WNIDs are not unique or not of the form ``n`` + 8
    digits, when there are no classes or more than :data:`MAX_CLASSES`, when a height is
    missing or outside 0..254, or when the hierarchy has a cycle.
    """

    def __init__(
        self,
        wnids: Sequence[str],
        parents: Mapping[int, Sequence[int]],
        heights: Mapping[int, int],
        *,
        synset_wnids: Mapping[int, str] | None = None,
        words: Mapping[int, str] | None = None,
    ) -> None:
        wnids = tuple(str(w) for w in wnids)
        n = len(wnids)
        if not 1 <= n <= MAX_CLASSES:
            raise ValueError(f"a class set needs 1..{MAX_CLASSES:,} classes, got {n:,}")
        for w in wnids:
            if not WNID_RE.fullmatch(w):
                raise ValueError(f"not a WNID (n + 8 digits): {w!r}")
        if len(set(wnids)) != n:
            raise ValueError("the leaf WNIDs are not unique")
        self.wnids: tuple[str, ...] = wnids
        self.n_classes: int = n
        #: dtype of class-id arrays (labels, boxes, top-1 labels): int16, or int32 above 32767 classes
        self.label_dtype: type[np.signedinteger] = label_dtype_for(n)
        self.wnid_to_id: dict[str, int] = {w: i + 1 for i, w in enumerate(wnids)}
        self._parents: dict[int, tuple[int, ...]] = {int(k): tuple(int(p) for p in v) for k, v in parents.items()}
        self._heights: dict[int, int] = {int(k): int(v) for k, v in heights.items()}
        self.synset_wnids: dict[int, str] = dict(synset_wnids or {})
        self.words: dict[int, str] = dict(words or {})
        self._internal_by_wnid: dict[str, int] = {
            w: i for i, w in self.synset_wnids.items() if i > n and w not in self.wnid_to_id
        }
        # Sorted-WNID order (torchvision / Caffe / Keras class index): position k -> id.
        order = sorted(range(n), key=lambda i: wnids[i])
        self.sorted_index_to_id: np.ndarray = np.asarray(order, dtype=self.label_dtype) + 1
        self.id_to_sorted_index: np.ndarray = np.zeros(n + 1, dtype=self.label_dtype)
        self.id_to_sorted_index[self.sorted_index_to_id] = np.arange(n, dtype=self.label_dtype)
        self._ancestors, self._parents_first = self._compute_ancestors()
        self.max_height: int = max(self._heights[a] for a in self._parents_first)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_tsv(cls, synsets_tsv_path: str | PathLike[str], edges_tsv_path: str | PathLike[str]) -> ClassSet:
        """Build a class set from ``synsets_1860.tsv`` and ``is_a_edges.tsv`` (devkit-derived; the
        layout is :mod:`.tsv`'s). Leaves are the synsets that are nobody's parent; they must be
        ids ``1..n``.

        Raises ``ValueError`` on a malformed file, ``OSError`` when a file cannot be read.
        """
        synsets_path, edges_path = Path(synsets_tsv_path), Path(edges_tsv_path)
        tables = read_class_set_tsv(synsets_path.read_bytes(), edges_path.read_bytes(), name=synsets_path.name,
                                    edges_name=edges_path.name)
        parents: dict[int, list[int]] = {}
        for parent, child in tables.edges:
            parents.setdefault(child, []).append(parent)
        leaves = tables.leaf_ids()
        if leaves != list(range(1, len(leaves) + 1)):
            raise ValueError("the leaf synsets must have the ids 1..n")
        wnid_of = {s.id: s.wnid for s in tables.synsets}
        return cls(
            [wnid_of[i] for i in leaves],
            parents,
            {s.id: s.wordnet_height for s in tables.synsets},
            synset_wnids=wnid_of,
            words={s.id: s.words for s in tables.synsets},
        )

    @classmethod
    @functools.lru_cache(maxsize=1)
    def ilsvrc2012(cls) -> ClassSet:
        """The ILSVRC2012 class set (1000 classes, 1860 synsets) from the shipped copies.

        Loaded once per process from ``challenge/data/ilsvrc2012/``. Raises ``OSError`` if
        the files are missing.
        """
        return cls.from_tsv(ILSVRC2012_DATA_DIR / "synsets_1860.tsv", ILSVRC2012_DATA_DIR / "is_a_edges.tsv")

    # ------------------------------------------------------------------ hierarchy
    def _compute_ancestors(self) -> tuple[list[frozenset[int]], list[int]]:
        """Ancestors-or-self of every leaf, and every such synset in an order that puts parents first.

        Raises ValueError on a cycle or a missing height.
        """
        memo: dict[int, frozenset[int]] = {}

        def walk(node: int) -> frozenset[int]:
            # Iterative DFS (the DAG may be deep); detects cycles.
            stack: list[tuple[int, int]] = [(node, 0)]
            on_path: set[int] = set()
            while stack:
                cur, i = stack.pop()
                if cur in memo:
                    continue
                ps = self._parents.get(cur, ())
                if i == 0:
                    if cur in on_path:
                        raise ValueError(f"the hierarchy has a cycle through synset {cur}")
                    on_path.add(cur)
                if i < len(ps):
                    stack.append((cur, i + 1))
                    if ps[i] not in memo:
                        if ps[i] in on_path:
                            raise ValueError(f"the hierarchy has a cycle through synset {ps[i]}")
                        stack.append((ps[i], 0))
                else:
                    acc = {cur}
                    for p in ps:
                        acc |= memo[p]
                    memo[cur] = frozenset(acc)
                    on_path.discard(cur)
            return memo[node]

        result = [walk(i) for i in range(1, self.n_classes + 1)]
        for a in memo:  # a synset is memoized after its parents, and every ancestor is memoized
            h = self._heights.get(a)
            if h is None:
                raise ValueError(f"no wordnet_height for synset {a}")
            if not 0 <= h <= 254:
                raise ValueError(f"wordnet_height of synset {a} is {h}, outside 0..254")
        return result, list(memo)

    def ancestors(self, class_id: int) -> frozenset[int]:
        """Ids of the ancestors-or-self of leaf class ``class_id`` (1-based). Raises IndexError."""
        if not 1 <= class_id <= self.n_classes:
            raise IndexError(f"class id {class_id} outside 1..{self.n_classes}")
        return self._ancestors[class_id - 1]

    def height(self, synset_id: int) -> int:
        """``wordnet_height`` of a synset. Raises KeyError if unknown."""
        return self._heights[synset_id]

    def distance(self, pred: int, truth: int) -> int:
        """Hierarchical cost d(pred, truth): 0 if equal, else the lowest height of a common ancestor.

        Pairs without a common ancestor cost :attr:`max_height`. Raises IndexError for ids
        outside ``1..n_classes``.
        """
        if pred == truth:
            self.ancestors(pred)
            return 0
        common = self.ancestors(pred) & self.ancestors(truth)
        return min((self._heights[a] for a in common), default=self.max_height)

    @cached_property
    def lca_index(self) -> LcaIndex:
        """The structure behind :meth:`lca_costs` (a few MB at 21,841 classes; built once)."""
        return LcaIndex(self.n_classes, self._parents, self._heights, self.max_height, order=self._parents_first)

    def lca_costs(self, pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
        """:meth:`distance` for arrays of ids, vectorized: uint8, ``[i]`` = d(pred[i], truth[i]).

        A ``pred`` of 0 (no guess) costs 255. Raises IndexError for ids outside ``0..n_classes``
        (``1..n_classes`` for ``truth``), ValueError when the lengths differ.
        """
        pred = np.asarray(pred)
        if len(pred) and (int(pred.min()) < 0 or int(pred.max()) > self.n_classes):
            raise IndexError(f"predicted ids outside 0..{self.n_classes}")
        truth = np.asarray(truth)
        if len(truth) and int(truth.max()) > self.n_classes:
            raise IndexError(f"true ids outside 1..{self.n_classes}")
        return self.lca_index.costs(pred, truth)

    @cached_property
    def lca_cost_matrix(self) -> np.ndarray:
        """``(n, n)`` uint8 matrix, ``[pred - 1, truth - 1]`` = :meth:`distance` (computed once).

        Takes ``n**2`` bytes: for small class sets and tests; scoring uses :meth:`lca_costs`.
        """
        n = self.n_classes
        ids = np.arange(1, n + 1)
        cost = self.lca_index.costs(np.repeat(ids, n), np.tile(ids, n)).reshape(n, n)
        cost.flags.writeable = False
        return cost

    # ------------------------------------------------------------------ helpers
    @cached_property
    def wnid_table(self) -> WnidTable:
        """Vectorized lookup of leaf WNID numbers (their 8 digits) to class ids (built once)."""
        return WnidTable([int(w[1:]) for w in self.wnids])

    @cached_property
    def token_ids(self) -> dict[bytes, int]:
        """Canonical tokens (``b"1"``..``b"n"`` and the leaf WNIDs) -> class id."""
        table = {str(i).encode("ascii"): i for i in range(1, self.n_classes + 1)}
        table.update((w.encode("ascii"), i + 1) for i, w in enumerate(self.wnids))
        return table

    def describe(self, class_id: int) -> str:
        """``"490 (n01440764 tench)"``-style text for messages; never raises."""
        wnid = self.wnids[class_id - 1] if 1 <= class_id <= self.n_classes else self.synset_wnids.get(class_id, "?")
        name = self.words.get(class_id, "").split(",")[0]
        return f"{class_id} ({wnid}{' ' + name if name else ''})"

    def internal_wnid_id(self, wnid: str) -> int | None:
        """Id of a non-leaf synset with this WNID, or None (used for error messages)."""
        return self._internal_by_wnid.get(wnid)

    def __repr__(self) -> str:
        return f"<ClassSet {self.n_classes} classes, max height {self.max_height}>"



def detection_class_set(wnids: Sequence[str]) -> ClassSet:
    """A flat class set (no hierarchy) for detection: class id ``k`` is ``wnids[k - 1]``.

    Raises ``ValueError`` for WNIDs that are malformed or not unique.
    """
    return ClassSet(list(wnids), {}, {i: 0 for i in range(1, len(wnids) + 1)})
