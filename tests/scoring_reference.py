"""A slow, obviously correct reference scorer, written from the devkit text line by line.

Nothing here is shared with submissions/scoring: it reads the class set from the TSV files
itself, splits lines with a regular expression, computes overlaps as the devkit's
compute_overlap.m does (IEEE doubles, +1 widths) and finds lowest common ancestors by
intersecting ancestor sets. The tests check that the fast scorer
agrees with it; bench/scoring.py times it.

Format rules (the same contract as docs/scoring.md):
* an optional UTF-8 BOM; whitespace at the very end of the file ignored; lines split on LF;
  inside a line, tokens are separated by runs of space, tab or CR;
* a line longer than 2048 bytes, an empty line, more than 5 guesses, a class id that is not
  1..n (at most 8 digits) or a leaf WNID, and in localization a group that is not 5 values,
  a coordinate that is not a decimal number (as C's strtod reads it: no nan, inf or hex),
  finite and >= 0, or a box with xmin > xmax or ymin > ymax make the line bad; a wrong number of lines, NUL bytes,
  non-UTF-8 bytes, a UTF-16 BOM or an empty file make the file bad.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "challenge" / "data" / "ilsvrc2012"

MAX_LINE = 2048
_DECIMAL = rb"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?"


class RefInvalid(Exception):
    """The file is not acceptable. ``bad_lines``: 1-based numbers of bad lines."""

    def __init__(self, bad_lines: list[int], file_problem: str | None = None) -> None:
        self.bad_lines = bad_lines
        self.file_problem = file_problem
        super().__init__(f"bad lines {bad_lines[:10]}; file: {file_problem}")


class RefClassSet:
    """Leaves 1..n with WNIDs, parents of every synset, heights."""

    def __init__(self, wnids: list[str], parents: dict[int, list[int]], heights: dict[int, int]) -> None:
        self.wnids = list(wnids)
        self.n = len(wnids)
        self.parents = parents
        self.heights = heights
        self.id_of_wnid = {w: i + 1 for i, w in enumerate(self.wnids)}
        self._anc: dict[int, set[int]] = {}

    @classmethod
    def ilsvrc2012(cls) -> RefClassSet:
        rows = (DATA / "synsets_1860.tsv").read_text(encoding="utf-8").splitlines()[1:]
        wnid_of, heights = {}, {}
        for row in rows:
            f = row.split("\t")
            wnid_of[int(f[0])] = f[1]
            heights[int(f[0])] = int(f[6])
        parents: dict[int, list[int]] = {}
        for row in (DATA / "is_a_edges.tsv").read_text(encoding="utf-8").splitlines()[1:]:
            p, c = row.split("\t")[:2]
            parents.setdefault(int(c), []).append(int(p))
        return cls([wnid_of[i] for i in range(1, 1001)], parents, heights)

    @classmethod
    def from_tsv(cls, synsets_path: Path, edges_path: Path) -> RefClassSet:
        """Any class set in the TSV layout: ids in the first column, ``wnid`` and ``wordnet_height`` by name."""
        rows = synsets_path.read_text(encoding="utf-8").splitlines()
        header = rows[0].split("\t")
        wnid_col, height_col = header.index("wnid"), header.index("wordnet_height")
        wnid_of, heights = {}, {}
        for row in rows[1:]:
            f = row.split("\t")
            wnid_of[int(f[0])] = f[wnid_col]
            heights[int(f[0])] = int(f[height_col])
        parents: dict[int, list[int]] = {}
        for row in edges_path.read_text(encoding="utf-8").splitlines()[1:]:
            p, c = row.split("\t")[:2]
            parents.setdefault(int(c), []).append(int(p))
        has_child = {p for ps in parents.values() for p in ps}
        n = sum(1 for i in wnid_of if i not in has_child)
        return cls([wnid_of[i] for i in range(1, n + 1)], parents, heights)

    def ancestors(self, node: int) -> set[int]:
        if node not in self._anc:
            result = {node}
            for p in self.parents.get(node, []):
                result |= self.ancestors(p)
            self._anc[node] = result
        return self._anc[node]

    def lca_height(self, a: int, b: int) -> int:
        """0 if a == b, else the smallest height among common ancestors-or-self."""
        if a == b:
            return 0
        common = self.ancestors(a) & self.ancestors(b)
        if not common:
            return self.max_height()
        return min(self.heights[x] for x in common)

    def max_height(self) -> int:
        return max(self.heights[x] for i in range(1, self.n + 1) for x in self.ancestors(i))

    def label(self, token: bytes) -> int | None:
        """Class id of a token, or None when the token is not one."""
        if re.fullmatch(rb"[0-9]+", token):
            if len(token) > 8:
                return None
            value = int(token)
            return value if 1 <= value <= self.n else None
        if re.fullmatch(rb"n[0-9]{8}", token):
            return self.id_of_wnid.get(token.decode())
        return None


def ref_parse(data: bytes, *, task: str, n_images: int, cs: RefClassSet, max_guesses: int = 5) -> list:
    """One list per image: class ids (classification) or (id, (x1, y1, x2, y2)) pairs."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise RefInvalid([], "utf-16")
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    while data and data[-1:] in (b" ", b"\t", b"\r", b"\n"):
        data = data[:-1]
    if not data:
        raise RefInvalid([], "empty")
    if b"\x00" in data:
        raise RefInvalid([data[: data.index(b"\x00")].count(b"\n") + 1], "NUL")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RefInvalid([data[: exc.start].count(b"\n") + 1], "not UTF-8") from None
    lines = data.split(b"\n")
    bad: list[int] = []
    out: list = []
    for number, line in enumerate(lines, start=1):
        parsed = _ref_line(line, task, cs, max_guesses)
        if parsed is None:
            bad.append(number)
        out.append(parsed)
    if bad or len(lines) != n_images:
        raise RefInvalid(bad, None if len(lines) == n_images else "line count")
    return out


def _ref_line(line: bytes, task: str, cs: RefClassSet, max_guesses: int):
    if len(line) > MAX_LINE:
        return None
    tokens = [t for t in re.split(rb"[ \t\r]+", line) if t != b""]
    if not tokens:
        return None
    if task != "localization":
        if len(tokens) > max_guesses:
            return None
        labels = [cs.label(t) for t in tokens]
        return None if None in labels else labels
    if len(tokens) % 5 != 0 or len(tokens) // 5 > max_guesses:
        return None
    guesses = []
    for g in range(0, len(tokens), 5):
        label = cs.label(tokens[g])
        coords = tokens[g + 1 : g + 5]
        if label is None or not all(re.fullmatch(_DECIMAL, c) for c in coords):
            return None
        x1, y1, x2, y2 = (float(c) for c in coords)
        if not all(math.isfinite(v) and v >= 0 for v in (x1, y1, x2, y2)) or x1 > x2 or y1 > y2:
            return None
        guesses.append((label, (x1, y1, x2, y2)))
    return guesses


def iou_at_least_half(bb: tuple[float, ...], bbgt: tuple[float, ...]) -> bool:
    """compute_overlap.m's overlap (IEEE doubles, inclusive pixels) and eval_clsloc.m's test ``ov >= 0.5``."""
    bi = (max(bb[0], bbgt[0]), max(bb[1], bbgt[1]), min(bb[2], bbgt[2]), min(bb[3], bbgt[3]))
    iw = bi[2] - bi[0] + 1
    ih = bi[3] - bi[1] + 1
    if not (iw > 0 and ih > 0):
        return False
    ua = (bb[2] - bb[0] + 1) * (bb[3] - bb[1] + 1) + (bbgt[2] - bbgt[0] + 1) * (bbgt[3] - bbgt[1] + 1) - iw * ih
    return not iw * ih / ua < 0.5


def ref_score(
    task: str,
    parsed: list,
    truth: list[int],
    *,
    cs: RefClassSet,
    guesses: int = 5,
    boxes: dict[int, list[tuple[int, tuple[int, int, int, int]]]] | None = None,
    blacklist: set[int] | None = None,
) -> dict:
    """Per-image outcomes and metrics. ``boxes``/``blacklist`` use 0-based image indices."""
    top1, topk, loc, hier = [], [], [], []
    for i, (guess_list, t) in enumerate(zip(parsed, truth)):
        kept = guess_list[:guesses]
        labels = [g[0] for g in kept] if task == "localization" else list(kept)
        # devkit: error = min over guesses of d(guess, truth), d = 0 if equal else 1
        top1.append(labels[0] == t)
        topk.append(min(0 if lab == t else 1 for lab in labels) == 0)
        if task == "localization":
            found = False
            for lab, box in kept:
                if lab != t:
                    continue
                for gt_label, gt_box in (boxes or {}).get(i, []):
                    if gt_label == t and iou_at_least_half(box, gt_box):
                        found = True
            loc.append(found)
        if task == "hierarchical":
            hier.append(min(cs.lca_height(lab, t) for lab in labels))
    n = len(truth)
    result = {
        "top1_correct": top1,
        "top5_correct": topk,
        "top1_error": sum(1 for c in top1 if not c) / n,
        "top5_error": sum(1 for c in topk if not c) / n,
    }
    if task == "localization":
        skip = blacklist or set()
        counted = [i for i in range(n) if i not in skip]
        result["loc_correct"] = loc
        result["localization_error"] = sum(1 for i in counted if not loc[i]) / len(counted)
    if task == "hierarchical":
        result["hier_cost"] = hier
        result["hierarchical_error"] = sum(hier) / n
        result["hierarchical_error_normalized"] = sum(hier) / n / cs.max_height()
    return result


def ref_evaluate(task: str, data: bytes, truth: list[int], *, cs: RefClassSet, guesses: int = 5, **kw) -> dict:
    """Parse and score; raises RefInvalid for a bad file."""
    parsed = ref_parse(data, task=task, n_images=len(truth), cs=cs)
    return ref_score(task, parsed, truth, cs=cs, guesses=guesses, **kw)


# Flat error of the devkit demo (demo.val.pred.txt, not shipped) for 1..5 guesses.
DEMO_ERRORS = (0.99898, 0.99802, 0.99722, 0.9962, 0.995)
DEMO_PRINTED = ("0.9990", "0.9980", "0.9972", "0.9962", "0.9950")


def make_demo_predictions(truth: list[int]) -> bytes:
    """A demo-like file for 50,000 labels whose flat error for 1..5 guesses is DEMO_ERRORS.

    Like the devkit's demo: 5 ids per line with a trailing space, some lines repeat a
    label. The true label sits at guess k for exactly as many images as needed.
    """
    n = len(truth)
    correct_by = [round(n * (1 - e)) for e in DEMO_ERRORS]  # 51, 99, 139, 190, 250 for 50,000
    at_position = [correct_by[0]] + [correct_by[k] - correct_by[k - 1] for k in range(1, 5)]
    position = [None] * n
    image = 0
    for k, count in enumerate(at_position):
        for _ in range(count):
            position[image * 37 % n] = k  # spread over the file (37 is coprime to 50,000)
            image += 1
    lines = []
    for i, t in enumerate(truth):
        guesses = [(t - 1 + 7 * j + i % 13 + 1) % 1000 + 1 for j in range(5)]  # never t
        if i % 4 == 0:
            guesses[4] = guesses[3]  # a repeated label, as in the demo file
        if position[i] is not None:
            guesses[position[i]] = t
        lines.append(" ".join(str(g) for g in guesses) + " ")
    return ("\n".join(lines) + "\n").encode()
