"""ReaL labels in the scoring core (truth.LabelRevision, formats/real_labels.py, metrics/real.py):
the revision, the real.json reader and the ReaL top-1 / top-5 accuracies, against hand-worked cases and a slow reference.

Plain pytest: no database.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from submissions.scoring import (
    ClassSet,
    GroundTruthError,
    LabelRevision,
    Predictions,
    read_real_labels,
    score_real,
)

ROOT = Path(__file__).resolve().parents[2]
REAL_JSON = ROOT / "challenge" / "data" / "reassessed" / "real.json"


def predictions(rows: list[list[int]], width: int = 5) -> Predictions:
    labels = np.zeros((len(rows), width), dtype=np.int16)
    for i, row in enumerate(rows):
        labels[i, : len(row)] = row
    return Predictions("classification", labels)


# ---------------------------------------------------------------------- slow references
def reference_read(text: str, index_to_id: list[int]) -> list[set[int]]:
    """real.json read the obvious way: json.loads, then each index through the mapping."""
    return [{index_to_id[k] for k in entry} for entry in json.loads(text)]


def reference_real(rows: list[list[int]], sets: list[set[int]], guesses: int = 5) -> tuple[float, float, int]:
    kept = [i for i, s in enumerate(sets) if s]
    top1 = sum(1 for i in kept if rows[i] and rows[i][0] in sets[i])
    topk = sum(1 for i in kept if any(g in sets[i] for g in rows[i][:guesses]))
    return top1 / len(kept), topk / len(kept), len(kept)


# ------------------------------------------------------------------------- the revision
def test_a_revision_holds_sets_in_csr_layout():
    r = LabelRevision.from_lists([[2, 1, 2], [], [7]])
    assert r.offsets.tolist() == [0, 2, 2, 3] and r.labels.tolist() == [1, 2, 7]
    assert r.kept.tolist() == [True, False, True] and r.kept_images == 2 and r.n_images == 3
    assert r.labels_of(0).tolist() == [1, 2] and r.to_lists() == [[1, 2], [], [7]]
    assert r.counts().tolist() == [2, 0, 1]
    left_out = LabelRevision.from_lists([[1], [2]], kept=np.array([True, False]))
    assert left_out.kept_images == 1 and left_out.labels_of(1).tolist() == [2]


@pytest.mark.parametrize(
    "offsets, labels, kept, message",
    [
        ([1, 2], [1, 2], [True], "start at 0"),
        ([0, 2, 1], [1, 2], [True, True], "never decrease"),
        ([0, 1], [0], [True], "class ids start at 1"),
        ([0, 0], [], [True], "image 1 is kept but has no valid label"),
        ([0, 2], [2, 1], [True], "ascend without repeats"),
        ([0, 2], [2, 2], [True], "ascend without repeats"),
        ([0, 1], [1], [True, True], "bool array of 1 entries"),
    ],
)
def test_a_revision_refuses_broken_layouts(offsets, labels, kept, message):
    with pytest.raises(ValueError, match=message):
        LabelRevision(np.array(offsets), np.array(labels, dtype=np.int64), np.array(kept))


# -------------------------------------------------------------------------- the metric
def test_real_accuracy_by_hand():
    sets = LabelRevision.from_lists([[1, 2], [], [3], [5]])
    rows = [[2, 9], [1], [4, 3], [7, 8, 9, 10, 5]]
    # kept: images 1, 3, 4. top-1: only image 1 (2 is valid). top-5: all three (3; 5 as fifth guess).
    r = score_real(predictions(rows), sets)
    assert (r.top1_accuracy, r.top5_accuracy, r.images) == (pytest.approx(1 / 3), 1.0, 3)
    assert r.top1_correct.tolist() == [True, False, False, False]
    assert r.top5_correct.tolist() == [True, False, True, True]
    assert r.metrics() == {"real_top1_accuracy": pytest.approx(1 / 3), "real_top5_accuracy": 1.0, "real_images": 3}
    four = score_real(predictions(rows), sets, guesses=4)  # image 4's fifth guess no longer counts
    assert four.top5_accuracy == pytest.approx(2 / 3)
    one = score_real(predictions(rows), sets, guesses=1)
    assert one.top5_accuracy == one.top1_accuracy


def test_a_left_out_image_counts_nowhere_even_when_it_has_labels():
    sets = LabelRevision.from_lists([[1], [2]], kept=np.array([True, False]))
    r = score_real(predictions([[9], [2]]), sets)
    assert (r.top1_accuracy, r.images) == (0.0, 1)
    assert not r.top1_correct[1]


def test_missing_guesses_never_match():
    r = score_real(predictions([[3], []], width=5), LabelRevision.from_lists([[1, 3], [1]]))
    assert (r.top1_accuracy, r.top5_accuracy) == (0.5, 0.5)


def test_it_refuses_scores_it_cannot_give():
    sets = LabelRevision.from_lists([[1], [2]])
    with pytest.raises(ValueError, match="predictions are for 1 images, the revision for 2"):
        score_real(predictions([[1]]), sets)
    with pytest.raises(ValueError, match="guesses must be 1..5"):
        score_real(predictions([[1], [2]]), sets, guesses=6)
    with pytest.raises(ValueError, match="leaves every image out"):
        score_real(predictions([[1], [2]]), LabelRevision.from_lists([[], []]))


@pytest.mark.parametrize("seed", range(5))
def test_real_accuracy_agrees_with_the_reference(seed):
    rng = np.random.default_rng(seed)
    n, classes = 300, 12
    sets = [set(rng.choice(np.arange(1, classes + 1), size=rng.integers(0, 4), replace=False).tolist()) for _ in range(n)]
    sets[0] = {1}  # at least one kept image
    rows = [rng.choice(np.arange(1, classes + 1), size=rng.integers(0, 6), replace=False).tolist() for _ in range(n)]
    for guesses in (1, 3, 5):
        r = score_real(predictions(rows), LabelRevision.from_lists(sets), guesses=guesses)
        top1, topk, kept = reference_real(rows, sets, guesses)
        assert (r.top1_accuracy, r.top5_accuracy, r.images) == (pytest.approx(top1), pytest.approx(topk), kept)


# -------------------------------------------------------------------------- the reader
INDEX_TO_ID = np.array([3, 1, 2], dtype=np.int16)  # index 0 is class 3, index 1 class 1, index 2 class 2


def read(text: str | bytes, n_images: int | None = None) -> LabelRevision:
    data = text.encode() if isinstance(text, str) else text
    return read_real_labels(data, index_to_id=INDEX_TO_ID, n_images=n_images)


def test_it_reads_the_real_json_layout():
    r = read("[[0, 2], [], [1]]", n_images=3)
    assert r.to_lists() == [[2, 3], [], [1]]
    assert r.kept.tolist() == [True, False, True]
    assert read('\ufeff[\n  [2,0],\n  [1]\n]\n').to_lists() == [[2, 3], [1]]  # BOM, newlines, indentation
    assert read("[]").n_images == 0


def errors_of(text: str | bytes, n_images: int | None = None) -> list[str]:
    with pytest.raises(GroundTruthError) as caught:
        read(text, n_images)
    return [str(e) for e in caught.value.errors]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[[0], [1]", "line 1: column 10: not valid JSON"),
        ("[[0],\n [1 2]]", "line 2: column 5: not valid JSON"),
        ("[[01]]", "line 1: column 4: not valid JSON"),
        ('{"a": 1}', "line 1: expected a JSON list with one list of labels per image"),
        ("[[0], 5]", "line 1: column 7: image 2: expected a list of labels, found the number 5"),
        ("[[0],\n [3]]", "line 2: column 2: image 2: label 3 is outside 0..2 (0-based class indices in sorted-WNID order)"),
        ("[[0], [-1]]", "image 2: label -1 is outside 0..2"),
        ('[["1"]]', 'line 1: column 2: image 1: label "1" is not an integer class index'),
        ("[[1.0]]", "image 1: label 1.0 is not an integer class index"),
        ("[[true]]", "image 1: label true is not an integer class index"),
        ("[[null]]", "image 1: label null is not an integer class index"),
        ("[[], [1, 1]]", "line 1: column 6: image 2: a label is listed twice"),
    ],
)
def test_it_names_the_line_and_column_of_a_problem(text, expected):
    assert any(expected in e for e in errors_of(text)), errors_of(text)


def test_it_refuses_the_wrong_number_of_images_and_non_text():
    assert errors_of("[[0], [1]]", n_images=3) == ["expected 3 lists (one per image, in image order), found 2"]
    assert errors_of(b"[[0]]\xff") == ["line 1: the file is not UTF-8 text: expected the real.json layout (JSON)"]
    with pytest.raises(TypeError):
        read_real_labels("[[0]]", index_to_id=INDEX_TO_ID)


def test_it_lists_the_first_problems_and_counts_the_rest():
    with pytest.raises(GroundTruthError) as caught:
        read("[" + ", ".join(["[7]"] * 25) + "]")
    assert len(caught.value.errors) == 10 and caught.value.omitted == 15
    assert str(caught.value.errors[1]).startswith("line 1: column 7: image 2: label 7")


@pytest.mark.parametrize("seed", range(8))
def test_the_fast_reader_agrees_with_the_reference(seed):
    rng = np.random.default_rng(seed)
    n_indices = 40
    index_to_id = (rng.permutation(n_indices) + 1).astype(np.int16)
    lists = [rng.choice(n_indices, size=rng.integers(0, 5), replace=False).tolist() for _ in range(200)]
    separators = [", ", ",", ",\n", " ,\t"]
    sep = separators[seed % len(separators)]
    text = "[" + sep.join("[" + sep.join(str(v) for v in entry) + "]" for entry in lists) + "]\n"
    r = read_real_labels(text.encode(), index_to_id=index_to_id, n_images=200)
    assert [set(x) for x in r.to_lists()] == reference_read(text, index_to_id.tolist())
    assert r.kept.tolist() == [bool(x) for x in lists]


# ------------------------------------------------------------------------ the real file
def test_the_published_real_json_reads_as_the_paper_describes():
    cs = ClassSet.ilsvrc2012()
    data = REAL_JSON.read_bytes()
    r = read_real_labels(data, index_to_id=cs.sorted_index_to_id, n_images=50_000)
    assert (r.n_images, r.kept_images, int(r.labels.size)) == (50_000, 46_837, 57_553)
    # Image 2's list [970, 795]: sorted-WNID indices of the devkit's classes with those WNIDs.
    wnids = sorted(cs.wnids)
    assert {cs.wnids[i - 1] for i in r.labels_of(1).tolist()} == {wnids[970], wnids[795]}
    devkit = np.array((ROOT / "challenge/data/ilsvrc2012/ILSVRC2012_validation_ground_truth.txt").read_text().split(), dtype=np.int16)
    rows = [[int(x)] for x in devkit]
    ours = score_real(predictions(rows), r)
    sets = reference_read(data.decode(), cs.sorted_index_to_id.tolist())
    assert (ours.top1_accuracy, ours.top5_accuracy, ours.images) == pytest.approx(reference_real(rows, sets))
    assert ours.top1_accuracy == pytest.approx(0.9002, abs=5e-5)  # the original labels under ReaL
