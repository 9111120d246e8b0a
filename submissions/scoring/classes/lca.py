"""Lowest-common-ancestor heights in an is-a DAG, in memory linear in the hierarchy's size.

The hierarchical cost of ILSVRC2010/2011 is ``d(p, t)`` = 0 when ``p == t``, else the lowest
``wordnet_height`` among the common ancestors-or-self of leaves ``p`` and ``t`` (the largest
height of the hierarchy when they have none). An ``n x n`` table of it takes 477 MB at
21,841 classes; :class:`LcaIndex` answers the same question exactly from a few MB.

* Keep one parent of every synset (its first): a spanning forest ``T`` of the DAG, joined
  under a virtual root. In ``T`` the common ancestors of two synsets ``x``, ``y`` are the
  path from their tree LCA up to the root, so the lowest height among them is
  ``path_min(lca_T(x, y))``, where ``path_min(z)`` is the lowest height on ``z``'s path up.
* Every ancestor of a leaf brings its whole ``T`` path, so the ancestors-or-self of leaf
  ``p`` are the union of the ``T`` paths of its *entry points* ``E(p)``: the ancestors-or-self
  of ``p`` that are no kept parent of another one. Hence
  ``d(p, t) = min over x in E(p), y in E(t) of path_min(lca_T(x, y))``.
  ILSVRC2012 has 1.3 entry points per leaf, the synthetic 21k set about 2.4.
* ``path_min`` only decreases going down ``T``, so ``path_min(lca_T(x, y))`` is the largest
  ``path_min`` on the Euler tour of ``T`` between ``x`` and ``y``: a range maximum, answered
  from two sparse tables (windows starting, and ending, at a position) in a few gathers.

Pairs are grouped by their numbers of entry points ``(a, b)``, so each group is a dense
``b x g`` block reduced across rows; a per-pair segmented reduction costs more than the
lookups themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["LcaIndex", "NO_GUESS_COST"]

#: The cost :meth:`LcaIndex.costs` gives to a missing guess (label 0): more than any height.
NO_GUESS_COST = 255

_PAIRS_PER_STEP = 1 << 20  # bounds the temporaries (~100 MB) while keeping Python overhead low


class LcaIndex:
    """Answers ``d(pred, truth)`` for arrays of leaf ids, vectorized, in O(synsets) memory.

    ``parents`` maps a synset id to its parents (the first one is kept for the spanning
    forest), ``heights`` gives the height of every ancestor of the leaves ``1..n_classes``,
    and ``max_height`` (at least every such height) is the cost of two leaves without a
    common ancestor. ``order``, when given, lists the leaves and all their ancestors with
    every parent before its children (``ClassSet`` has it from its cycle check). The
    hierarchy must be acyclic (``ClassSet`` checks it).
    """

    def __init__(
        self,
        n_classes: int,
        parents: Mapping[int, Sequence[int]],
        heights: Mapping[int, int],
        max_height: int,
        *,
        order: Sequence[int] | None = None,
    ) -> None:
        order = list(order) if order is not None else _parents_first(n_classes, parents)
        index = dict(zip(order, range(len(order))))
        root = len(order)
        kept = np.array([index[parents[x][0]] if parents.get(x) else root for x in order], dtype=np.intp)
        height = np.array([heights[x] for x in order], dtype=np.uint8)
        tour_values, first, size = _euler_tour(kept, height, max_height)
        self._starting, self._ending, self._level_offset = _sparse_tables(tour_values)
        entries = _entry_points(order, parents, index, first, size)
        leaves = range(1, n_classes + 1)
        counts = np.zeros(n_classes + 1, dtype=np.intp)  # id 0 ("no guess") has no entry points
        counts[1:] = [len(entries[leaf]) for leaf in leaves]
        flat = [x for leaf in leaves for x in entries[leaf]]
        self._entry_count = counts
        self._entry_start = np.cumsum(counts) - counts
        self._entry_pos = first[np.asarray(flat, dtype=np.intp)]
        self.max_entries = int(counts.max())
        self.nbytes = sum(a.nbytes for a in (self._starting, self._ending, self._level_offset, counts, self._entry_pos))

    def costs(self, pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
        """``d(pred[i], truth[i])`` for every ``i``, as uint8.

        Ids are ``1..n_classes``; equal ids cost 0, and a ``pred`` of 0 (no guess) costs
        :data:`NO_GUESS_COST`. Out-of-range ids raise ``IndexError``.
        """
        pred = np.ascontiguousarray(pred, dtype=np.intp).reshape(-1)
        truth = np.ascontiguousarray(truth, dtype=np.intp).reshape(-1)
        if len(pred) != len(truth):
            raise ValueError(f"{len(pred)} predictions for {len(truth)} labels")
        if len(truth) and int(truth.min()) < 1:
            raise IndexError("truth ids start at 1")
        out = np.empty(len(pred), dtype=np.uint8)
        for lo in range(0, len(pred), _PAIRS_PER_STEP):
            p = pred[lo : lo + _PAIRS_PER_STEP]
            t = truth[lo : lo + _PAIRS_PER_STEP]
            got = self._grouped_costs(p, t)
            got[p == t] = 0
            out[lo : lo + _PAIRS_PER_STEP] = got
        return out

    def _grouped_costs(self, p: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Costs of one step of pairs, group by group of equal entry-point counts."""
        count_p = np.take(self._entry_count, p)
        count_t = np.take(self._entry_count, t)
        width = self.max_entries + 1
        key = count_p * width + count_t
        if width * width <= 1 << 16:
            key = key.astype(np.uint16)  # a stable sort of 16-bit keys is a radix sort
        order = np.argsort(key, kind="stable")
        sorted_key = np.take(key, order)
        bounds = [0, *(np.flatnonzero(sorted_key[1:] != sorted_key[:-1]) + 1).tolist(), len(order)]
        start_p = np.take(self._entry_start, np.take(p, order))  # in group order: groups are slices
        start_t = np.take(self._entry_start, np.take(t, order))
        grouped = np.empty(len(p), dtype=np.uint8)
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            a, b = divmod(int(sorted_key[lo]), width)
            if a == 0:
                grouped[lo:hi] = NO_GUESS_COST
                continue
            starts_a, starts_b = start_p[lo:hi], start_t[lo:hi]
            if a > b:  # loop over the shorter side; the cost is symmetric
                a, b, starts_a, starts_b = b, a, starts_b, starts_a
            grouped[lo:hi] = self._block_min(starts_a, a, starts_b, b)
        out = np.empty(len(p), dtype=np.uint8)
        out[order] = grouped
        return out

    def _block_min(self, starts_a: np.ndarray, a: int, starts_b: np.ndarray, b: int) -> np.ndarray:
        """Per pair, the lowest range maximum over its ``a x b`` pairs of entry points."""
        pos = self._entry_pos
        side_b = np.take(pos, starts_b[None, :] + np.arange(b)[:, None]) if b > 1 else np.take(pos, starts_b)
        best = None
        for i in range(a):
            got = self._range_max(np.take(pos, starts_a + i), side_b)
            if got.ndim == 2:
                got = np.minimum.reduce(got, axis=0)
            best = got if best is None else np.minimum(best, got, out=best)
        assert best is not None
        return best

    def _range_max(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Largest ``path_min`` on the Euler tour between positions ``a`` and ``b`` (inclusive)."""
        lo = np.minimum(a, b)
        hi = np.maximum(a, b)
        level = np.take(self._level_offset, hi - lo)
        lo += level
        hi += level
        got = np.take(self._starting, lo)
        return np.maximum(got, np.take(self._ending, hi), out=got)


def _parents_first(n_classes: int, parents: Mapping[int, Sequence[int]]) -> list[int]:
    """The leaves ``1..n_classes`` and all their ancestors, every parent before its children."""
    done: set[int] = set()
    order: list[int] = []
    for leaf in range(1, n_classes + 1):
        stack = [(leaf, False)]
        while stack:
            node, finished = stack.pop()
            if finished:
                order.append(node)
            elif node not in done:
                done.add(node)
                stack.append((node, True))
                stack.extend((q, False) for q in parents.get(node, ()) if q not in done)
    return order


def _euler_tour(kept: np.ndarray, height: np.ndarray, max_height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Euler tour of the forest ``kept`` (node -> parent, ``len(kept)`` = the virtual root).

    Returns ``(tour_values, first, size)``: ``path_min`` at each tour position, each node's
    first tour position, and subtree sizes. Nodes come parents first. Children are visited
    in node order; a node first appears at ``2 * preorder - depth``, and its parent again
    ``2 * size - 1`` positions later. Depth, ``path_min`` and preorder are sums or minima
    along root paths, computed by pointer jumping; sizes by a sweep over depth levels.
    """
    root = len(kept)
    parent = np.append(kept, root)
    depth = np.append(np.ones(root, dtype=np.intp), 0)
    path_min = np.append(height, np.uint8(max_height))
    jump = parent.copy()
    while bool((jump != root).any()):  # after k rounds every node sees 2**k ancestors
        depth += np.where(jump != root, depth[jump], 0)
        np.minimum(path_min, path_min[jump], out=path_min)
        jump = jump[jump]
    size = np.ones(root + 1, dtype=np.intp)
    by_depth = np.argsort(depth, kind="stable")
    level_starts = np.searchsorted(depth[by_depth], np.arange(int(depth.max()) + 2))
    for level in range(int(depth.max()), 0, -1):
        nodes = by_depth[level_starts[level] : level_starts[level + 1]]
        size += np.bincount(parent[nodes], weights=size[nodes], minlength=root + 1).astype(np.intp)
    # preorder = sum along the root path of (1 + sizes of the earlier siblings)
    by_parent = np.argsort(parent[:root], kind="stable")
    sizes_in_order = size[by_parent]
    before = np.cumsum(sizes_in_order) - sizes_in_order
    group_start = np.searchsorted(parent[by_parent], parent[by_parent])  # first sibling's slot
    step = np.zeros(root + 1, dtype=np.intp)
    step[by_parent] = 1 + before - before[group_start]
    preorder = step.copy()
    jump = parent.copy()
    while bool((jump != root).any()):
        preorder += np.where(jump != root, preorder[jump], 0)
        jump = jump[jump]
    preorder[root] = 0
    first = 2 * preorder - depth
    values = np.empty(2 * root + 1, dtype=np.uint8)
    values[first] = path_min
    values[first[:root] + 2 * size[:root] - 1] = path_min[kept]
    return values, first, size


def _entry_points(
    order: list[int],
    parents: Mapping[int, Sequence[int]],
    index: Mapping[int, int],
    first: np.ndarray,
    size: np.ndarray,
) -> dict[int, tuple[int, ...]]:
    """Entry points of every synset id, as node indices: its ``T``-deepest ancestors-or-self.

    A synset's entry points are itself plus those of its parents, less its kept parent (its
    own ``T`` path covers it). With one parent nothing else can be covered; at a synset with
    several, an entry on the ``T`` path of another one adds nothing and is dropped: sorted by
    first tour position, an entry is such an ancestor exactly when the next one starts inside
    its subtree's stretch of the tour.
    """
    start = first.tolist()
    stop = (first + 2 * size - 1).tolist()
    entries: dict[int, tuple[int, ...]] = {}
    for node in order:
        me = index[node]
        ps = parents.get(node)
        if not ps:
            entries[node] = (me,)
            continue
        above = entries[ps[0]]
        if len(ps) == 1:
            entries[node] = (me,) if len(above) == 1 else (me, *above[1:])
            continue
        union = {me, *above[1:]}
        for other in ps[1:]:
            union.update(entries[other])
        ranked = sorted(union, key=start.__getitem__)
        entries[node] = tuple(
            [me] + [x for x, y in zip(ranked, ranked[1:] + [None]) if x != me and (y is None or start[y] >= stop[x])]
        )
    return entries


def _sparse_tables(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Range-maximum tables over ``values``: ``(starting, ending, level_offset)``.

    Level ``k`` of ``starting`` holds the maxima of windows of ``2**k`` starting at each
    position, of ``ending`` those ending there (levels concatenated). For ``lo <= hi``,
    with ``o = level_offset[hi - lo]``, the maximum of ``values[lo..hi]`` is
    ``max(starting[o + lo], ending[o + hi])``.
    """
    size = len(values)
    starting = [values]
    ending = [values]
    width = 1
    while 2 * width <= size:
        prev = starting[-1]
        nxt = np.zeros_like(prev)  # positions whose window leaves the tour are never read
        nxt[: size - width] = np.maximum(prev[: size - width], prev[width:])
        starting.append(nxt)
        back = np.zeros_like(prev)
        back[2 * width - 1 :] = nxt[: size - 2 * width + 1]
        ending.append(back)
        width *= 2
    span = np.arange(size, dtype=np.intp)
    level = np.zeros(size, dtype=np.intp)
    for k in range(1, len(starting)):
        level[span + 1 >= 1 << k] = k
    return np.concatenate(starting), np.concatenate(ending), level * size
