"""A deterministic synthetic class set at ImageNet's own scale (21,841 leaf classes).

The real ImageNet-21k hierarchy is not shipped with the project, but its shape is what the
scoring core must cope with: tens of thousands of leaves, thousands of internal synsets, a
DAG in which thousands of synsets have two parents or more, and heights up to about 20.
:func:`synthetic_class_set` builds such a set from a seed and returns plain data (synset
rows and parent->child edges) that a database import, a TSV file or
:class:`..classes.class_set.ClassSet` can all take; :func:`write_class_set_tsv` writes the two
files :meth:`.ClassSet.from_tsv` (and the site's importer) read.

Ids follow the ILSVRC convention: leaves are ``1..n_classes``, internal synsets follow, and
``n_classes + 1`` is the single root. Heights are WordNet-style: 0 for a leaf, else one more
than the highest child, over every parent edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..classes.class_set import ClassSet

__all__ = ["SynsetRow", "SyntheticClassSet", "synthetic_class_set", "write_class_set_tsv"]

#: Columns of the synsets file written by :func:`write_class_set_tsv`: the layout of the
#: devkit-derived ``synsets_1860.tsv``, so the same importers read both.
SYNSET_COLUMNS = (
    "ilsvrc2012_id",
    "wnid",
    "words",
    "gloss",
    "num_children",
    "children",
    "wordnet_height",
    "num_train_images",
)
EDGE_COLUMNS = ("parent_id", "child_id", "parent_wnid", "child_wnid")


class SynsetRow(NamedTuple):
    """One synset: ILSVRC-style id, WNID (``n`` + 8 digits), readable words, wordnet height."""

    id: int
    wnid: str
    words: str
    height: int


@dataclass(frozen=True)
class SyntheticClassSet:
    """A generated class set as plain data.

    ``rows``: every synset, ordered by id (leaves ``1..n_classes`` first, then internal
    synsets; ``n_classes + 1`` is the root). ``edges``: ``(parent_id, child_id)`` pairs, sorted.
    """

    n_classes: int
    rows: tuple[SynsetRow, ...]
    edges: tuple[tuple[int, int], ...]

    def parents(self) -> dict[int, list[int]]:
        """Child id -> its parent ids (every synset but the root has at least one)."""
        out: dict[int, list[int]] = {}
        for parent, child in self.edges:
            out.setdefault(child, []).append(parent)
        return out

    def class_set(self) -> ClassSet:
        """The scoring core's :class:`..classes.class_set.ClassSet` for these synsets."""
        return ClassSet(
            [r.wnid for r in self.rows[: self.n_classes]],
            self.parents(),
            {r.id: r.height for r in self.rows},
            synset_wnids={r.id: r.wnid for r in self.rows},
            words={r.id: r.words for r in self.rows},
        )


def synthetic_class_set(
    n_classes: int = 21841, *, n_internal: int = 9000, multi_parent: int = 3000, seed: int = 0
) -> SyntheticClassSet:
    """Generate an ImageNet-like class set; the same arguments always give the same set.

    ``n_internal`` synsets form a random recursive tree under one root (depths up to about
    20, uneven fan-out); the ``n_classes`` leaves hang below them, every internal synset
    having at least one child. Then ``multi_parent`` synsets (leaves and internal ones) get
    one extra parent, a tenth of them two, each taken from strictly shallower internal
    synsets so the graph stays acyclic. Raises ``ValueError`` when the counts cannot make
    such a set (fewer leaves than childless internal synsets, too many multi-parent synsets).
    """
    if n_classes < 1 or n_internal < 1 or multi_parent < 0:
        raise ValueError("need n_classes >= 1, n_internal >= 1 and multi_parent >= 0")
    if multi_parent > n_classes + n_internal - 1:
        raise ValueError(f"at most {n_classes + n_internal - 1} synsets can have a second parent")
    rng = np.random.default_rng(seed)
    primary, depth = _primary_tree(rng, n_classes, n_internal)
    extra = _extra_parents(rng, primary, depth, n_classes, multi_parent)
    edges = sorted({(int(p), c) for c, p in enumerate(primary) if c > 0 and p > 0} | extra)
    heights = _heights(edges, depth)
    wnids = _distinct_wnids(rng, n_classes + n_internal)
    rows = tuple(
        SynsetRow(i, wnids[i - 1], _words(i, n_classes), heights[i]) for i in range(1, n_classes + n_internal + 1)
    )
    return SyntheticClassSet(n_classes=n_classes, rows=rows, edges=tuple(edges))


def _primary_tree(rng: np.random.Generator, n_classes: int, n_internal: int) -> tuple[np.ndarray, np.ndarray]:
    """``(primary_parent, depth)`` indexed by id (index 0 unused; the root's parent is 0)."""
    total = n_classes + n_internal
    root = n_classes + 1
    primary = np.zeros(total + 1, dtype=np.int64)
    depth = np.zeros(total + 1, dtype=np.int64)
    # Internal synset k (0-based, k >= 1) hangs below a uniformly chosen earlier one: a random
    # recursive tree, about ln(n_internal) deep on average, with a long tail of deeper paths.
    k = np.arange(1, n_internal)
    under = (rng.random(n_internal - 1) * k).astype(np.int64)
    primary[root + k] = root + under
    for node in range(root + 1, total + 1):
        depth[node] = depth[primary[node]] + 1
    childless = np.setdiff1d(np.arange(root, total + 1), primary[root + 1 :])
    if len(childless) > n_classes:
        raise ValueError(f"{len(childless)} internal synsets need a leaf below them, but only {n_classes} leaves")
    homes = np.concatenate([childless, rng.integers(root, total + 1, n_classes - len(childless))])
    primary[1:root] = homes[rng.permutation(n_classes)]  # leaf ids do not follow the tree
    depth[1:root] = depth[primary[1:root]] + 1
    return primary, depth


def _extra_parents(
    rng: np.random.Generator, primary: np.ndarray, depth: np.ndarray, n_classes: int, count: int
) -> set[tuple[int, int]]:
    """``count`` synsets get a second parent (a tenth a third), each strictly shallower than the child."""
    root = n_classes + 1
    internal = np.arange(root, len(primary))
    by_depth = internal[np.argsort(depth[internal], kind="stable")]
    shallower = np.searchsorted(depth[by_depth], np.arange(depth.max() + 2))  # how many have depth < d
    candidates = np.concatenate([np.arange(1, root), np.arange(root + 1, len(primary))])
    chosen = rng.choice(candidates, size=count, replace=False)
    extra: set[tuple[int, int]] = set()
    for child in chosen.tolist():
        wanted = 2 if rng.random() < 0.1 else 1
        pool = int(shallower[depth[child]])
        for _ in range(8 * wanted):  # a few tries: the pool may hold the primary parent only
            if wanted == 0:
                break
            parent = int(by_depth[rng.integers(0, pool)])
            if parent != primary[child] and (parent, child) not in extra:
                extra.add((parent, child))
                wanted -= 1
    return extra


def _heights(edges: list[tuple[int, int]], depth: np.ndarray) -> list[int]:
    """Height of every id: 0 for a synset without children, else 1 + its highest child's."""
    children: dict[int, list[int]] = {}
    for parent, child in edges:
        children.setdefault(parent, []).append(child)
    heights = [0] * len(depth)
    # Every edge goes from a shallower synset to a deeper one: deepest first settles children first.
    for node in np.argsort(-depth, kind="stable").tolist():
        kids = children.get(node)
        if kids:
            heights[node] = 1 + max(heights[c] for c in kids)
    return heights


def _distinct_wnids(rng: np.random.Generator, count: int) -> list[str]:
    """``count`` distinct WNIDs ``n`` + 8 digits, in random order."""
    numbers = np.unique(rng.integers(1_000_000, 100_000_000, count + count // 8 + 16))
    while len(numbers) < count:  # pragma: no cover - needs ~count**2 / 1e8 collisions
        numbers = np.unique(np.concatenate([numbers, rng.integers(1_000_000, 100_000_000, count)]))
    picked = rng.permutation(numbers)[:count]
    return [f"n{v:08d}" for v in picked.tolist()]


def _words(synset_id: int, n_classes: int) -> str:
    if synset_id <= n_classes:
        return f"synthetic class {synset_id}"
    if synset_id == n_classes + 1:
        return "synthetic root"
    return f"synthetic synset {synset_id}"


def write_class_set_tsv(synthetic: SyntheticClassSet, folder: str | PathLike[str]) -> tuple[Path, Path]:
    """Write ``synsets.tsv`` and ``is_a_edges.tsv`` into ``folder`` (created if needed).

    The columns are those of the devkit-derived ``synsets_1860.tsv`` / ``is_a_edges.tsv``
    (gloss empty, no training images), so :meth:`.ClassSet.from_tsv` reads them back to the
    same class set. Returns the two paths. Raises ``OSError`` when the folder is not writable.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    wnid_of = {r.id: r.wnid for r in synthetic.rows}
    children: dict[int, list[int]] = {}
    for parent, child in synthetic.edges:
        children.setdefault(parent, []).append(child)
    lines = ["\t".join(SYNSET_COLUMNS)]
    for r in synthetic.rows:
        kids = children.get(r.id, [])
        fields = (r.id, r.wnid, r.words, "", len(kids), ",".join(map(str, kids)), r.height, 0)
        lines.append("\t".join(map(str, fields)))
    synsets = out / "synsets.tsv"
    synsets.write_text("\n".join(lines) + "\n", encoding="utf-8")
    edge_lines = ["\t".join(EDGE_COLUMNS)]
    edge_lines += [f"{p}\t{c}\t{wnid_of[p]}\t{wnid_of[c]}" for p, c in synthetic.edges]
    edges = out / "is_a_edges.tsv"
    edges.write_text("\n".join(edge_lines) + "\n", encoding="utf-8")
    return synsets, edges
