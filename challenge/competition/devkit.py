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

from submissions import scoring

SYNSET_FILES = ("synsets.tsv", "synsets_1860.tsv")
EDGES_FILE = "is_a_edges.tsv"


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

    Raises ValueError when the file is not a devkit meta.mat.
    """
    import scipy.io  # only the devkit importer needs it

    try:
        synsets = scipy.io.loadmat(str(path), squeeze_me=True, struct_as_record=False)["synsets"]
    except (KeyError, ValueError, OSError, NotImplementedError, TypeError, scipy.io.matlab.MatReadError) as exc:
        raise ValueError(f"{path} is not a devkit meta.mat with a 'synsets' array: {exc}") from exc
    rows, edges = [], []
    for synset in np.atleast_1d(synsets):
        try:
            ilsvrc_id = int(synset.ILSVRC2012_ID)
        except AttributeError as exc:
            raise ValueError(f"{path}: synsets lack the devkit fields: {exc}") from exc
        rows.append(dict(
            ilsvrc_id=ilsvrc_id,
            wnid=str(synset.WNID).strip(),
            words=str(synset.words),
            gloss=str(synset.gloss),
            is_leaf=int(synset.num_children) == 0,
            wordnet_height=int(synset.wordnet_height),
            num_train_images=int(synset.num_train_images),
        ))
        edges.extend((ilsvrc_id, int(child)) for child in np.atleast_1d(synset.children))
    return rows, edges
