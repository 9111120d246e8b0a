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

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SYNSET_FILES = ("synsets.tsv", "synsets_1860.tsv")
EDGES_FILE = "is_a_edges.tsv"
# Well above ImageNet's 21,841 leaves and ~30,000 synsets; a bound so a typo cannot ask for millions.
MAX_SYNSETS = 200_000


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
    """Synset rows and (parent, child) edges from the two TSV files' bytes (see the module doc).

    Raises ValueError naming the file and line of the first malformed row.
    """
    synset_rows = _tsv_rows(synsets, name, required=("wnid", "wordnet_height"), id_from_first_column=True)
    edge_rows = _tsv_rows(edges, EDGES_FILE, required=("parent_id", "child_id"))
    try:
        edge_list = [(int(r["parent_id"]), int(r["child_id"])) for _, r in edge_rows]
    except ValueError as exc:
        raise ValueError(f"{EDGES_FILE}: an id is not a whole number ({exc})") from None
    parents = {parent for parent, _ in edge_list}
    rows = []
    for line, row in synset_rows:
        try:
            ilsvrc_id = int(row["id"])
            rows.append(dict(
                ilsvrc_id=ilsvrc_id, wnid=row["wnid"].strip(), words=row.get("words", "") or row["wnid"].strip(),
                gloss=row.get("gloss", ""), is_leaf=ilsvrc_id not in parents,
                wordnet_height=int(row["wordnet_height"]), num_train_images=int(row.get("num_train_images") or 0),
            ))
        except ValueError as exc:
            raise ValueError(f"{name} line {line}: {exc}") from None
    return rows, edge_list


def _tsv_rows(data: bytes, name: str, *, required: tuple[str, ...], id_from_first_column: bool = False):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{name} is not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if not header:
        raise ValueError(f"{name} is empty")
    if id_from_first_column:
        header = ["id", *header[1:]]
    missing = [column for column in required if column not in header]
    if missing:
        raise ValueError(f"{name} lacks the column(s) {', '.join(missing)}")
    rows = []
    for line, fields in enumerate(reader, start=2):
        if not fields:
            continue
        if len(fields) != len(header):
            raise ValueError(f"{name} line {line}: {len(fields)} fields, expected {len(header)}")
        rows.append((line, dict(zip(header, fields))))
        if len(rows) > MAX_SYNSETS * 4:
            raise ValueError(f"{name} has more rows than a class set may ({MAX_SYNSETS:,} synsets)")
    return rows


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
