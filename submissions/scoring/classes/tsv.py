"""The class-set TSV files derived from a devkit: a synsets table and its is-a edges.

The synsets file has a header; its synset id is the column ``ilsvrc2012_id`` (the shipped
``synsets_1860.tsv``), or else its first column whatever its name (``id`` elsewhere). It needs
``wnid`` and ``wordnet_height``; ``words``, ``gloss`` and ``num_train_images`` are optional. The
edges file needs ``parent_id`` and ``child_id``. Leaves are the synsets that are nobody's parent.
:meth:`.class_set.ClassSet.from_tsv` and the site's class-set importer both read them here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

__all__ = ["EDGES_FILE", "MAX_SYNSETS", "SynsetRecord", "ClassSetTables", "read_class_set_tsv"]

EDGES_FILE = "is_a_edges.tsv"
#: Well above ImageNet's 21,841 leaves and ~30,000 synsets; a bound so a typo cannot ask for millions.
MAX_SYNSETS = 200_000
_ID_COLUMN = "ilsvrc2012_id"
_NOT_IDS = ("wnid", "wordnet_height", "words")


@dataclass(frozen=True)
class SynsetRecord:
    """One row of the synsets file: its ``line`` in the file, and its fields."""

    line: int
    id: int
    wnid: str
    words: str
    gloss: str
    wordnet_height: int
    num_train_images: int


@dataclass(frozen=True)
class ClassSetTables:
    """The two files, read: every synset (in file order) and the ``(parent_id, child_id)`` edges."""

    synsets: list[SynsetRecord]
    edges: list[tuple[int, int]]

    def leaf_ids(self) -> list[int]:
        """Ids of the synsets that are nobody's parent, ascending."""
        parents = {parent for parent, _ in self.edges}
        return sorted(s.id for s in self.synsets if s.id not in parents)


def read_class_set_tsv(synsets: bytes, edges: bytes, *, name: str = "synsets.tsv",
                       edges_name: str = EDGES_FILE) -> ClassSetTables:
    """Read the synsets and edges files from their bytes (see the module docstring).

    Raises ``ValueError`` naming the file (and the line) of the first problem: not UTF-8, empty,
    a missing column, a row with the wrong number of fields, a value that is not a whole
    number, the synset ids not in a column of their own, more rows than :data:`MAX_SYNSETS` allows.
    """
    header, synset_rows = _rows(synsets, name, required=("wnid", "wordnet_height"))
    id_column = _ID_COLUMN if _ID_COLUMN in header else header[0]
    if id_column in _NOT_IDS:
        raise ValueError(f"{name}: the first column must hold the synset ids, not {id_column}")
    records = []
    for line, row in synset_rows:
        try:
            records.append(SynsetRecord(
                line=line, id=int(row[id_column]), wnid=row["wnid"].strip(), words=row.get("words", ""),
                gloss=row.get("gloss", ""), wordnet_height=int(row["wordnet_height"]),
                num_train_images=int(row.get("num_train_images") or 0),
            ))
        except ValueError as exc:
            raise ValueError(f"{name} line {line}: {exc}") from None
    _, edge_rows = _rows(edges, edges_name, required=("parent_id", "child_id"))
    try:
        edge_list = [(int(r["parent_id"]), int(r["child_id"])) for _, r in edge_rows]
    except ValueError as exc:
        raise ValueError(f"{edges_name}: an id is not a whole number ({exc})") from None
    return ClassSetTables(records, edge_list)


def _rows(data: bytes, name: str, *, required: tuple[str, ...]) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and the ``(line, {column: value})`` rows of a TSV file; blank lines are skipped."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{name} is not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    while header is not None and not "".join(header).strip():
        header = next(reader, None)
    if not header:
        raise ValueError(f"{name} is empty")
    missing = [column for column in required if column not in header]
    if missing:
        raise ValueError(f"{name} lacks the column(s) {', '.join(missing)}")
    rows = []
    for fields in reader:
        if not "".join(fields).strip():
            continue
        if len(fields) != len(header):
            raise ValueError(f"{name} line {reader.line_num}: {len(fields)} fields, expected {len(header)}")
        rows.append((reader.line_num, dict(zip(header, fields))))
        if len(rows) > MAX_SYNSETS * 4:
            raise ValueError(f"{name} has more rows than a class set may ({MAX_SYNSETS:,} synsets)")
    return header, rows
