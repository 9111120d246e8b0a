"""The ReaL crowd votes of Beyer et al. 2020 ("Are we done with ImageNet?") as :class:`Votes`,
and how the site's consensus compares with the labels they published. Pure numpy; no Django.

The shipped files (``challenge/data/reassessed/``, see PROVENANCE.md there):

* ``raters.npz``: ``tensor`` (raters x questions x 3, one-hot no / maybe / yes), ``info``
  (per question the validation file name and the label, a 0-based sorted-WNID class index as
  text), ``ids`` (rater ids). 184,962 questions, 5 answers each.
* ``golden.npz``: the same layout, the 5 authors' answers to 1,135 gold questions.
* ``raters_golden.npz``: 78 raters' answers to those gold questions (ids as in raters.npz).
* ``real.json``: per validation image the list of its valid labels (0-based sorted-WNID indices).

The dense tensors are read one rater at a time (:func:`read_rater_file`), so the 377 MB
``raters.npz`` tensor never sits in memory whole.

How close the site comes to the published labels (posterior > 0.8, over the 184,962 rated
pairs; ``bench/crowd.py`` prints it):

* textbook Dawid & Skene (confusion matrices by EM, the qualification gold clamped): 98.31%;
  without any gold 98.27%; at its best threshold (about 0.88) 98.53%;
* ``"dawid-skene-gold"``: each rater's matrix counted from their answers to the 1,135 gold
  questions against the experts' majority, the prior learnt by EM: 99.11% (1,648
  disagreements). Its best threshold is 0.8 itself, which suggests the authors estimated the
  raters' reliability on the gold questions too. For the record, what did not come closer:
  gold confusions as a Dirichlet prior under EM (98.3-98.9% as the gold weight grows), EM
  started from them (falls back to 98.25%), the experts as extra raters, a separate prior for
  each image's original ImageNet label or for each class, "maybe" dropped or reweighted, other
  expert truths (any, 2 or all 5 yes) and smoothings. Even a logistic regression fitted to
  real.json on per-rater answers reaches only about 99.0% on its own training data, so the
  rest is beyond any model that adds up per-rater evidence on these votes alone.
"""

from __future__ import annotations

import json
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib import format as npy_format

from .consensus import GoldAnswers, Votes, YES, aggregate, votes_from_one_hot

__all__ = [
    "PUBLISHED_THRESHOLD",
    "REASSESSED_DATA_DIR",
    "Agreement",
    "RaterFile",
    "ReassessedVotes",
    "agreement_with_published",
    "measure_published_agreement",
    "published_validity",
    "read_rater_file",
    "read_reassessed_votes",
]

REASSESSED_DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "reassessed"
#: The posterior above which Beyer et al. call a label valid.
PUBLISHED_THRESHOLD = 0.8
_FILE_NAME = re.compile(r"ILSVRC2012_val_(\d{8})\.JPEG")
_N_CLASSES = 1000


@dataclass(frozen=True, eq=False)
class RaterFile:
    """One of the rater files: its ``votes`` (annotator = row of ``rater_ids``), and per question
    the 0-based validation ``image`` index (file ``ILSVRC2012_val_{image+1:08d}.JPEG``) and the
    ``label`` (0-based sorted-WNID class index)."""

    votes: Votes
    image: np.ndarray
    label: np.ndarray
    rater_ids: np.ndarray


def read_rater_file(path: str | Path) -> RaterFile:
    """Read a ``raters.npz``-layout file, the dense tensor one rater at a time.

    Raises ``ValueError`` naming the array and the position when a member is missing, the
    tensor is not ``(raters, questions, 3)`` of 0s and 1s with at most one answer per rater and
    question, ``info`` is not ``(questions, 2)`` of ``ILSVRC2012_val_NNNNNNNN.JPEG`` names and
    class indices 0..999, ``ids`` is not one id per rater, or a question repeats an
    (image, label) pair; ``OSError`` when the file cannot be read.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            for member in ("tensor.npy", "info.npy", "ids.npy"):
                if member not in names:
                    raise ValueError(f"{path.name}: no {member[:-4]!r} array")
            with archive.open("info.npy") as f:
                info = npy_format.read_array(f, allow_pickle=False)
            with archive.open("ids.npy") as f:
                rater_ids = npy_format.read_array(f, allow_pickle=False)
            with archive.open("tensor.npy") as f:
                question, annotator, answer, shape = _read_one_hot(f, path.name)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ValueError(f"{path.name}: not a readable npz (zip) archive: {exc}") from None
    n_raters, n_questions = shape[0], shape[1]
    image, label = _parse_info(info, n_questions, path.name)
    if rater_ids.shape != (n_raters,):
        raise ValueError(f"{path.name}: 'ids' has shape {rater_ids.shape}; expected ({n_raters},), one id per rater")
    votes = Votes.from_arrays(question, annotator, answer, n_questions=n_questions, n_annotators=n_raters)
    return RaterFile(votes, image, label, rater_ids.astype(np.int64))


def _read_one_hot(f, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, ...]]:
    version = npy_format.read_magic(f)
    if version == (1, 0):
        shape, fortran_order, dtype = npy_format.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, fortran_order, dtype = npy_format.read_array_header_2_0(f)
    else:
        raise ValueError(f"{name}: 'tensor' is in .npy format version {version}; expected 1.0 or 2.0")
    if len(shape) != 3 or shape[2] != 3:
        raise ValueError(f"{name}: 'tensor' has shape {shape}; expected (raters, questions, 3)")
    if fortran_order:
        raise ValueError(f"{name}: 'tensor' is stored in Fortran order; expected C order")
    if dtype.kind not in "biuf":
        raise ValueError(f"{name}: 'tensor' holds {dtype}; expected numbers (0 and 1)")
    slab = shape[1] * 3 * dtype.itemsize
    questions, annotators, answers = [np.zeros(0, np.intp)], [np.zeros(0, np.intp)], [np.zeros(0, np.int8)]
    for r in range(shape[0]):
        raw = f.read(slab)
        if len(raw) != slab:
            raise ValueError(f"{name}: 'tensor' ends inside rater {r}")
        rows = np.frombuffer(raw, dtype=dtype).reshape(1, shape[1], 3)
        try:
            q, a, k = votes_from_one_hot(rows, first_annotator=r)
        except ValueError as exc:
            raise ValueError(f"{name}: 'tensor': {exc}") from None
        questions.append(q)
        annotators.append(a)
        answers.append(k)
    return np.concatenate(questions), np.concatenate(annotators), np.concatenate(answers), shape


def _parse_info(info: np.ndarray, n_questions: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    if info.shape != (n_questions, 2):
        raise ValueError(f"{name}: 'info' has shape {info.shape}; expected ({n_questions}, 2): file name and label")
    image = np.empty(n_questions, dtype=np.int64)
    label = np.empty(n_questions, dtype=np.int64)
    for i, (file_name, class_index) in enumerate(info.tolist()):
        m = _FILE_NAME.fullmatch(str(file_name))
        if m is None or int(m.group(1)) < 1:
            raise ValueError(f"{name}: 'info' row {i}: {str(file_name)[:40]!r} is not ILSVRC2012_val_NNNNNNNN.JPEG")
        text = str(class_index)
        if not text.isdigit() or int(text) >= _N_CLASSES:
            raise ValueError(f"{name}: 'info' row {i}: label {text[:20]!r} is not a class index 0..{_N_CLASSES - 1}")
        image[i] = int(m.group(1)) - 1
        label[i] = int(text)
    pair = image * _N_CLASSES + label
    order = np.argsort(pair, kind="stable")
    repeated = np.flatnonzero(pair[order][1:] == pair[order][:-1])
    if repeated.size:
        i = int(order[repeated[0] + 1])
        raise ValueError(f"{name}: 'info' row {i} repeats the image and label of an earlier row")
    return image, label


@dataclass(frozen=True, eq=False)
class ReassessedVotes:
    """The ReaL votes as one question set.

    Questions ``0..n_rated-1`` are the rated (image, label) pairs of raters.npz; the following
    ones are the gold questions as the raters met them in raters_golden.npz (a qualification
    round apart from their 5 votes in raters.npz, so they are questions of their own), whose
    truth (``gold``) is the 5 authors' majority. ``votes`` holds both rounds; annotator ``i``
    is rater ``rater_ids[i]`` in both. ``image`` and ``label`` describe every question.
    """

    votes: Votes
    gold: GoldAnswers
    n_rated: int
    image: np.ndarray
    label: np.ndarray
    rater_ids: np.ndarray


def read_reassessed_votes(data_dir: str | Path = REASSESSED_DATA_DIR) -> ReassessedVotes:
    """Read raters.npz, golden.npz and raters_golden.npz into :class:`ReassessedVotes`.

    The experts' truth of a gold question is "valid" when at least 3 of the 5 said yes.
    Raises ``ValueError`` as :func:`read_rater_file`, and when the two gold files do not list
    the same questions in the same order; ``OSError`` when a file cannot be read.
    """
    data_dir = Path(data_dir)
    rated = read_rater_file(data_dir / "raters.npz")
    experts = read_rater_file(data_dir / "golden.npz")
    crowd_gold = read_rater_file(data_dir / "raters_golden.npz")
    if not (np.array_equal(experts.image, crowd_gold.image) and np.array_equal(experts.label, crowd_gold.label)):
        raise ValueError("golden.npz and raters_golden.npz do not list the same questions in the same order")
    rater_ids = np.concatenate([rated.rater_ids, np.setdiff1d(crowd_gold.rater_ids, rated.rater_ids)])
    index_of = {int(r): i for i, r in enumerate(rater_ids)}
    to_index = np.array([index_of[int(r)] for r in crowd_gold.rater_ids], dtype=np.intp)
    n_rated = rated.votes.n_questions
    n_gold = crowd_gold.votes.n_questions
    gv = crowd_gold.votes
    votes = Votes.from_arrays(
        np.concatenate([rated.votes.question, gv.question + n_rated]),
        np.concatenate([rated.votes.annotator, to_index[gv.annotator]]),
        np.concatenate([rated.votes.answer, gv.answer]),
        n_questions=n_rated + n_gold,
        n_annotators=len(rater_ids),
    )
    yes = np.bincount(experts.votes.question[experts.votes.answer == YES], minlength=n_gold)
    gold = GoldAnswers(np.arange(n_rated, n_rated + n_gold), yes * 2 > experts.votes.n_annotators)
    return ReassessedVotes(
        votes,
        gold,
        n_rated,
        np.concatenate([rated.image, crowd_gold.image]),
        np.concatenate([rated.label, crowd_gold.label]),
        rater_ids,
    )


def published_validity(image: np.ndarray, label: np.ndarray, real_json: bytes) -> np.ndarray:
    """Bool per (image, label) pair: is ``label`` among the published valid labels of ``image``
    in ``real_json`` (the real.json layout: per image a list of 0-based sorted-WNID indices)?

    Raises ``ValueError`` when the text is not a JSON list of lists of integers 0..999, or an
    image index lies beyond it.
    """
    try:
        lists = json.loads(real_json)
    except ValueError as exc:
        raise ValueError(f"real.json is not JSON: {exc}") from None
    if not isinstance(lists, list) or not all(isinstance(x, list) for x in lists):
        raise ValueError("real.json must be a JSON list with one list of labels per image")
    flat = [v for x in lists for v in x]
    if not all(type(v) is int and 0 <= v < _N_CLASSES for v in flat):
        raise ValueError(f"real.json labels must be integers 0..{_N_CLASSES - 1}")
    if image.size and int(image.max()) >= len(lists):
        raise ValueError(f"image {int(image.max()) + 1} lies beyond the {len(lists):,} images of real.json")
    owner = np.repeat(np.arange(len(lists), dtype=np.int64), [len(x) for x in lists])
    published = owner * _N_CLASSES + np.asarray(flat, dtype=np.int64)
    return np.isin(np.asarray(image, np.int64) * _N_CLASSES + np.asarray(label, np.int64), published)


@dataclass(frozen=True)
class Agreement:
    """How the site's labels compare with the published ones over the rated pairs: ``agreeing``
    of ``total``, and ``disagreements`` split into ``extra`` (valid here, not published) and
    ``missing`` (published, not valid here)."""

    algorithm: str
    threshold: float
    agreeing: int
    total: int
    extra: int
    missing: int

    @property
    def disagreements(self) -> int:
        """Pairs on which the two differ."""
        return self.total - self.agreeing

    @property
    def share(self) -> float:
        """Share of the rated pairs on which the two agree."""
        return self.agreeing / self.total if self.total else 1.0


def agreement_with_published(
    reassessed: ReassessedVotes,
    real_json: bytes,
    *,
    algorithm: str = "dawid-skene-gold",
    threshold: float = PUBLISHED_THRESHOLD,
) -> Agreement:
    """Aggregate the votes with ``algorithm`` (see :func:`~challenge.annotation.consensus.aggregate`),
    call a rated pair valid when its posterior exceeds ``threshold``, and compare with real.json.

    Raises ``ValueError`` as :func:`published_validity` and :func:`aggregate`.
    """
    posterior = aggregate(reassessed.votes, algorithm=algorithm, gold=reassessed.gold)
    n = reassessed.n_rated
    ours = posterior[:n] > threshold
    theirs = published_validity(reassessed.image[:n], reassessed.label[:n], real_json)
    return Agreement(
        algorithm=algorithm,
        threshold=threshold,
        agreeing=int((ours == theirs).sum()),
        total=n,
        extra=int((ours & ~theirs).sum()),
        missing=int((~ours & theirs).sum()),
    )


def measure_published_agreement(
    data_dir: str | Path = REASSESSED_DATA_DIR,
    *,
    algorithm: str = "dawid-skene-gold",
    threshold: float = PUBLISHED_THRESHOLD,
) -> Agreement:
    """Read the shipped votes and real.json from ``data_dir`` and compare (:func:`agreement_with_published`).

    Raises ``ValueError`` and ``OSError`` as :func:`read_reassessed_votes` and
    :func:`agreement_with_published`.
    """
    data_dir = Path(data_dir)
    reassessed = read_reassessed_votes(data_dir)
    return agreement_with_published(
        reassessed, (data_dir / "real.json").read_bytes(), algorithm=algorithm, threshold=threshold
    )
