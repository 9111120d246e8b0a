"""The WordNet hierarchy of a class set: built from the database once per process, and the
one cache every reader shares (the class pages, scoring, the per-class report).

Readers that need their own view of the hierarchy (the scoring core's ClassSet, per-class
leaf arrays) keep it on the Hierarchy with `derived()`, so a re-import drops them all together.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q

from challenge.competition.models import ClassSet, Synset


@dataclass
class Hierarchy:
    """Synsets by ILSVRC id, their parents and children, and how many leaf classes lie under each."""

    synsets: dict[int, Synset]
    parents: dict[int, list[int]] = field(default_factory=dict)
    children: dict[int, list[int]] = field(default_factory=dict)
    leaf_counts: dict[int, int] = field(default_factory=dict)
    n_classes: int = 0
    leaf_sets: dict[int, frozenset] = field(default_factory=dict, repr=False)  # synset id -> leaf ids under it
    _derived: dict[str, object] = field(default_factory=dict, repr=False)

    def derived(self, name: str, build: Callable[["Hierarchy"], object]) -> object:
        """A view of this hierarchy built once by `build` and kept with it (dropped on re-import)."""
        if name not in self._derived:
            value = build(self)
            with _lock:
                self._derived.setdefault(name, value)
        return self._derived[name]

    @property
    def leaf_ids(self) -> list[int]:
        """Leaf class ids, 1..n_classes in order."""
        return sorted(i for i, s in self.synsets.items() if s.is_leaf)

    @property
    def roots(self) -> list[Synset]:
        return [s for i, s in self.synsets.items() if not self.parents.get(i)]

    def children_of(self, synset: Synset) -> list[tuple[Synset, int]]:
        kids = [self.synsets[i] for i in self.children.get(synset.ilsvrc_id, [])]
        return [(kid, self.leaf_counts[kid.ilsvrc_id]) for kid in sorted(kids, key=lambda s: s.words.lower())]

    def parents_of(self, synset: Synset) -> list[Synset]:
        return [self.synsets[i] for i in self.parents.get(synset.ilsvrc_id, [])]

    def path_to_root(self, synset: Synset) -> list[Synset]:
        """One path from a root down to this synset (through the first parent, in a DAG). It
        stops at a synset already on it: imports refuse cycles, but a class set stored before
        they did must not hang its pages."""
        path, on_path = [synset], {synset.ilsvrc_id}
        while (parents := self.parents.get(path[-1].ilsvrc_id)) and parents[0] not in on_path:
            path.append(self.synsets[parents[0]])
            on_path.add(parents[0])
        return path[::-1]

    def leaves_under(self, synset: Synset) -> list[Synset]:
        return [self.synsets[i] for i in sorted(self.leaf_sets.get(synset.ilsvrc_id, ()))]


_lock = threading.Lock()
_cache: dict[int, tuple[object, Hierarchy]] = {}


def hierarchy_of(class_set: ClassSet) -> Hierarchy:
    """The class set's hierarchy, built once per process and rebuilt after a re-import
    (every import stamps ClassSet.imported_at, read fresh here in one primary-key query)."""
    version = ClassSet.objects.filter(pk=class_set.pk).values_list("imported_at", flat=True).first()
    cached = _cache.get(class_set.pk)
    if cached is None or cached[0] != version:
        cached = (version, _build(class_set))
        with _lock:
            _cache[class_set.pk] = cached
    return cached[1]


def _build(class_set: ClassSet) -> Hierarchy:
    synsets = {s.ilsvrc_id: s for s in class_set.synsets.all()}
    by_pk = {s.pk: s.ilsvrc_id for s in synsets.values()}
    hierarchy = Hierarchy(synsets=synsets, n_classes=class_set.n_classes)
    Edge = Synset.parents.through
    pks = sorted(by_pk)
    rows = []
    # By id lists, not a join on class_set: right after a TRUNCATE (every transactional test
    # ends with one) PostgreSQL plans that join as nested loops, minutes at ImageNet's size.
    for start in range(0, len(pks), 900):
        rows += Edge.objects.filter(from_synset_id__in=pks[start:start + 900]).values_list(
            "id", "from_synset_id", "to_synset_id")
    for _, child_pk, parent_pk in sorted(rows):
        child, parent = by_pk[child_pk], by_pk[parent_pk]
        hierarchy.parents.setdefault(child, []).append(parent)
        hierarchy.children.setdefault(parent, []).append(child)
    hierarchy.leaf_sets = _leaf_sets(hierarchy)
    hierarchy.leaf_counts = {i: len(s) for i, s in hierarchy.leaf_sets.items()}
    return hierarchy


def _leaf_sets(hierarchy: Hierarchy) -> dict[int, frozenset]:
    """The leaf classes under each synset, children before their parents (Kahn's order from the
    leaves up): no recursion, so a DAG of any depth builds, whatever heights it claims."""
    synsets, children, parents = hierarchy.synsets, hierarchy.children, hierarchy.parents
    leaf_sets: dict[int, frozenset] = {}
    unfinished = {i: len(children.get(i, ())) for i in synsets}  # children whose sets are not built yet
    ready = [i for i, count in unfinished.items() if count == 0]
    while ready:
        i = ready.pop()
        own = frozenset([i]) if synsets[i].is_leaf else frozenset()
        leaf_sets[i] = own.union(*(leaf_sets[c] for c in children.get(i, ())))
        for parent in parents.get(i, ()):
            unfinished[parent] -= 1
            if unfinished[parent] == 0:
                ready.append(parent)
    # Synsets on or above a cycle are never ready. Imports refuse cycles; a class set stored
    # before they did still gets its pages, each such synset with the leaves of its finished children.
    for i in synsets:
        if i not in leaf_sets:
            own = frozenset([i]) if synsets[i].is_leaf else frozenset()
            leaf_sets[i] = own.union(*(leaf_sets.get(c, frozenset()) for c in children.get(i, ())))
    return leaf_sets


def search_synsets(*, class_set: ClassSet, query: str, limit: int = 200):
    """Synsets whose words contain the query, or whose WNID or id is the query."""
    query = query.strip()
    match = Q(words__icontains=query) | Q(wnid__iexact=query)
    # isdigit() alone also accepts superscripts and circled digits, which int() refuses.
    if query.isascii() and query.isdigit():
        match |= Q(ilsvrc_id=int(query))
    return class_set.synsets.filter(match).order_by("-is_leaf", "ilsvrc_id")[:limit]
