"""Reading a class set from a devkit's files, without the database: a `meta.mat` (ILSVRC
devkits), or a synsets TSV with its is-a edges (`synsets.tsv` or the shipped `synsets_1860.tsv`,
plus `is_a_edges.tsv`). `import_devkit` stores what these return; `manage.py evaluate
--class-set` scores with it directly.

A synsets TSV has a header; its first column is the synset id (leaves 1..n, then internal
synsets), whatever its name (`ilsvrc2012_id` in the shipped file, `id` elsewhere), and it needs
`wnid` and `wordnet_height`; `words`, `gloss` and `num_train_images` are optional. Leaves are
the synsets that are nobody's parent in the edges file (`parent_id`, `child_id`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from challenge.competition.matfiles import load_mat
from submissions import scoring

SYNSET_FILES = ("synsets.tsv", "synsets_1860.tsv")
EDGES_FILE = "is_a_edges.tsv"
MAX_SYNSETS = scoring.MAX_SYNSETS
# A meta.mat is read only if it unpacks to at most this (ILSVRC2012's: 1 MB for 1,860 synsets; about
# 85,000 synsets fit) and its arrays would take at most this much memory once loaded; larger class
# sets come as synsets.tsv + is_a_edges.tsv, read line by line.
MAX_MAT_BYTES = 48 * 1024 * 1024
MAX_MAT_MEMORY = 160 * 1024 * 1024


@dataclass(frozen=True)
class ClassSetFiles:
    """Synset rows (Synset field values, with `ilsvrc_id`), (parent, child) id edges, and what was read."""

    rows: list[dict]
    edges: list[tuple[int, int]]
    source: str

    @property
    def n_classes(self) -> int:
        return sum(1 for row in self.rows if row["is_leaf"])


def read_class_set_folder(path: Path) -> ClassSetFiles:
    """The class set in a devkit folder: `data/meta.mat`, `meta.mat`, a `.mat` file given
    directly, or `synsets.tsv` / `synsets_1860.tsv` with `is_a_edges.tsv`.

    Raises ValueError when the folder holds none of them or they are malformed.
    """
    path = Path(path)
    for candidate in (path / "data" / "meta.mat", path / "meta.mat", path if path.suffix == ".mat" else None):
        if candidate and candidate.is_file():
            rows, edges = read_devkit_meta_mat(candidate)
            return ClassSetFiles(rows, edges, source=candidate.name)
    edges_tsv = path / EDGES_FILE
    for name in SYNSET_FILES:
        if (path / name).is_file() and edges_tsv.is_file():
            rows, edges = read_synsets_tsv((path / name).read_bytes(), edges_tsv.read_bytes(), name=name)
            return ClassSetFiles(rows, edges, source=f"{name} + {EDGES_FILE}")
    raise ValueError(f"{path} holds neither data/meta.mat, meta.mat nor synsets.tsv (or synsets_1860.tsv) "
                     f"+ {EDGES_FILE}")


def read_synsets_tsv(synsets: bytes, edges: bytes, *, name: str = "synsets.tsv") -> tuple[list[dict], list[tuple[int, int]]]:
    """Synset rows and (parent, child) edges from the two TSV files' bytes, read by the scoring
    core's class-set TSV reader (see the module doc).

    Raises ValueError naming the file and line of the first malformed row.
    """
    tables = scoring.read_class_set_tsv(synsets, edges, name=name, edges_name=EDGES_FILE)
    parents = {parent for parent, _ in tables.edges}
    rows = [dict(ilsvrc_id=s.id, wnid=s.wnid, words=s.words or s.wnid, gloss=s.gloss, is_leaf=s.id not in parents,
                 wordnet_height=s.wordnet_height, num_train_images=s.num_train_images) for s in tables.synsets]
    return rows, tables.edges


def read_devkit_meta_mat(path: Path) -> tuple[list[dict], list[tuple[int, int]]]:
    """Synset rows and (parent, child) edges from an ILSVRC devkit's meta.mat.

    The file is checked before scipy loads it (challenge.competition.matfiles): one that unpacks
    to more than MAX_MAT_BYTES, or whose arrays would take more than MAX_MAT_MEMORY once loaded,
    is refused without being unpacked whole. Raises ValueError when the file is not a devkit
    meta.mat, or a synset's field is not what the devkit writes (naming the synset and field).
    """
    path = Path(path)
    try:
        variables = load_mat(path, max_bytes=MAX_MAT_BYTES, max_memory=MAX_MAT_MEMORY, squeeze_me=True,
                             struct_as_record=False)
    except OSError as exc:
        raise ValueError(f"{path.name} cannot be read: {exc}") from exc
    if "synsets" not in variables:
        raise ValueError(f"{path.name} is not a devkit meta.mat: it has no 'synsets' array.")
    synsets = variables["synsets"]
    synsets = np.atleast_1d(synsets)
    if synsets.size > MAX_SYNSETS:
        raise ValueError(f"{path.name} has more synsets than a class set may ({MAX_SYNSETS:,}).")
    rows, edges = [], []
    for position, synset in enumerate(synsets.reshape(-1), start=1):
        where = f"{path.name}, synset {position}"
        if not hasattr(synset, "_fieldnames"):
            raise ValueError(f"{where}: synsets must be a struct array with the devkit's fields.")
        ilsvrc_id = _whole_number(synset, "ILSVRC2012_ID", where)
        rows.append(dict(
            ilsvrc_id=ilsvrc_id,
            wnid=_text(synset, "WNID", where).strip(),
            words=_text(synset, "words", where),
            gloss=_text(synset, "gloss", where),
            is_leaf=_whole_number(synset, "num_children", where) == 0,
            wordnet_height=_whole_number(synset, "wordnet_height", where),
            num_train_images=_whole_number(synset, "num_train_images", where),
        ))
        children = np.atleast_1d(_field(synset, "children", where)).reshape(-1)
        if children.dtype.kind not in "iuf" or not np.all(np.isfinite(children)) or np.any(children % 1):
            raise ValueError(f"{where}: children should be whole numbers (synset ids).")
        edges.extend((ilsvrc_id, int(child)) for child in children)
    return rows, edges


def _field(synset, field: str, where: str):
    try:
        return getattr(synset, field)
    except AttributeError:
        raise ValueError(f"{where} lacks the devkit field {field}.") from None


def _whole_number(synset, field: str, where: str) -> int:
    """A field that must hold one whole number (the devkit's ids, counts and heights)."""
    value = np.asarray(_field(synset, field, where))
    if value.size != 1 or value.dtype.kind not in "iuf":
        shape = "an empty array" if value.size == 0 else (
            f"an array of {value.size:,} values" if value.size > 1 else f"a {value.dtype.name} value")
        raise ValueError(f"{where}: {field} should be one number, found {shape}.")
    number = value.reshape(-1)[0]
    if not np.isfinite(number) or number % 1 or not 0 <= number < 2**31:
        raise ValueError(f"{where}: {field} should be a whole number from 0, found {number!r}.")
    return int(number)


def _text(synset, field: str, where: str) -> str:
    value = _field(synset, field, where)
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray) and value.size == 0:
        return ""
    raise ValueError(f"{where}: {field} should be text.")


def is_a_cycle(edges: list[tuple[int, int]]) -> list[int] | None:
    """One cycle of (parent, child) is-a edges, as synset ids from a synset back to itself
    (`[3, 4, 3]`: 3 is 4's parent and 4 is 3's), or None when the edges form a DAG.

    Without recursion, in time linear in the edges: synsets with no parent left are taken away
    (Kahn's algorithm); every synset that remains has a parent that remains, and following
    such parents from any of them must come back to one already seen."""
    parents: dict[int, list[int]] = {}
    waiting: dict[int, int] = {}  # synset -> its parents not yet taken away
    children: dict[int, list[int]] = {}
    for parent, child in edges:
        parents.setdefault(child, []).append(parent)
        children.setdefault(parent, []).append(child)
        waiting[child] = waiting.get(child, 0) + 1
        waiting.setdefault(parent, waiting.get(parent, 0))
    free = [synset for synset, count in waiting.items() if count == 0]
    while free:
        for child in children.get(free.pop(), ()):
            waiting[child] -= 1
            if waiting[child] == 0:
                free.append(child)
    left = {synset for synset, count in waiting.items() if count > 0}
    if not left:
        return None
    path, seen = [], {}
    synset = min(left)
    while synset not in seen:
        seen[synset] = len(path)
        path.append(synset)
        synset = next(parent for parent in parents[synset] if parent in left)
    cycle = path[seen[synset]:] + [synset]
    return list(reversed(cycle))  # parent first, as the edges are written
