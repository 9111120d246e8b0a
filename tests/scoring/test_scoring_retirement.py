"""Revised figures in the scoring core (retirement.py, metrics/revised.py and the line layout of
formats/label_sets.py): retired classes skipped in predictions and labels, ReaL on a retired revision,
detection without retired classes; against the worked example of docs/scoring.md and a slow
reference written the obvious way. Plain pytest: no database."""

from __future__ import annotations

import numpy as np
import pytest

from submissions import scoring
from tests.detection_reference import ref_evaluate

CS = scoring.detection_class_set([f"n{i:08d}" for i in range(1, 6)])  # classes 1..5, no hierarchy


def predictions(rows: list[list[int]]) -> scoring.Predictions:
    labels = np.zeros((len(rows), 5), dtype=np.int16)
    for i, row in enumerate(rows):
        labels[i, : len(row)] = row
    return scoring.Predictions("classification", labels)


# ------------------------------------------------------------------ the worked example of the docs
LABELS = [1, 3, 2, 5]
REAL = [[1, 2], [3], [2, 3], []]
ROWS = [[3, 1, 4, 5, 2], [3, 4], [3, 2], [5]]


def test_the_worked_example_of_the_docs():
    truth = scoring.GroundTruth(labels=np.array(LABELS))
    retired = scoring.retired_mask([3], 5)
    original = scoring.score("classification", predictions(ROWS), truth, class_set=CS)
    assert (original.metrics["top1_error"], original.metrics["top5_error"]) == (0.5, 0.0)
    real_only = scoring.score_revised("classification", predictions(ROWS), truth, class_set=CS,
                                      revision=scoring.LabelRevision.from_lists(REAL))
    assert real_only.metrics == {"real_top1_error": pytest.approx(1 / 3), "real_top5_error": 0.0, "real_images": 3}
    both = scoring.score_revised("classification", predictions(ROWS), truth, class_set=CS, retired=retired,
                                 revision=scoring.LabelRevision.from_lists(REAL))
    # Image 2 (label 3) is left out; guesses of 3 are emptied, not refilled: images 1 and 3 lose
    # their first guess. ReaL: image 2's set {3} and image 4's empty set leave it with images 1, 3.
    assert both.metrics == {
        "revised_images": 3, "revised_top1_error": pytest.approx(2 / 3), "revised_top5_error": 0.0,
        "real_images": 2, "real_top1_error": 1.0, "real_top5_error": 0.0,
    }
    assert both.evidence["revised_kept"].tolist() == [True, False, True, True]
    assert both.evidence["revised_top1"].tolist() == [False, False, False, True]
    assert both.evidence["real_kept"].tolist() == [True, False, True, False]
    assert both.evidence["real_top5"].tolist() == [True, False, True, False]


def test_a_retired_guess_leaves_its_slot_empty():
    labels = np.array([[3, 1, 3, 2, 4]], dtype=np.int16)
    assert scoring.skip_retired_guesses(labels, scoring.retired_mask([3], 5)).tolist() == [[0, 1, 0, 2, 4]]
    assert scoring.skip_retired_guesses(labels, scoring.retired_mask([], 5)).tolist() == labels.tolist()


def test_retired_classes_leave_real_sets_and_empty_sets_leave_the_images():
    revision = scoring.LabelRevision.from_lists([[1, 3], [3], [], [2]], kept=np.array([True, True, False, True]))
    retired = scoring.retire_revision(revision, scoring.retired_mask([3, 2], 5))
    assert retired.to_lists() == [[1], [], [], []]
    assert retired.kept.tolist() == [True, False, False, False]


def test_retired_mask_refuses_classes_outside_the_set():
    with pytest.raises(ValueError, match="retired class 6 is outside 1..5"):
        scoring.retired_mask([2, 6], 5)


def test_localization_and_hierarchical_revised():
    cs = scoring.ClassSet.ilsvrc2012()
    truth_labels = np.array([1, 2, 3])
    boxes_csv = (b"ImageId,PredictionString\n" + b"\n".join(
        f"ILSVRC2012_val_{i + 1:08d},{cs.wnids[label - 1]} 0 0 9 9".encode() for i, label in enumerate(truth_labels)))
    truth = scoring.GroundTruth(labels=truth_labels, boxes=scoring.read_boxes_csv(boxes_csv, class_set=cs, n_images=3))
    data = b"2 0 0 9 9 1 0 0 9 9\n2 0 0 9 9\n3 50 50 60 60\n"
    loc = scoring.parse_predictions("localization", data, n_images=3, class_set=cs)
    revised = scoring.score_revised("localization", loc, truth, class_set=cs, retired=scoring.retired_mask([2], 1000))
    # Image 2 (label 2) is left out. Image 1: the guess of 2 is emptied, the second (1, right box) stays.
    # Image 3: right class, box missed.
    assert revised.metrics["revised_images"] == 2
    assert revised.metrics["revised_localization_error"] == 0.5
    assert revised.metrics["revised_top1_error"] == 0.5 and revised.metrics["revised_top5_error"] == 0.0
    hier = scoring.parse_predictions("classification", b"2\n2\n1\n", n_images=3, class_set=cs)
    costs = scoring.score_revised("hierarchical", hier, scoring.GroundTruth(labels=truth_labels), class_set=cs,
                                  retired=scoring.retired_mask([2], 1000))
    # Image 1's only guess is emptied: the largest height; image 3 guessed 1 for 3.
    expected = (cs.max_height + cs.distance(1, 3)) / 2
    assert costs.metrics["revised_hierarchical_error"] == pytest.approx(expected)
    assert costs.evidence["revised_hier"].tolist() == [cs.max_height, 0, cs.distance(1, 3)]


def test_a_revision_needs_a_classification_task_and_the_same_images():
    truth = scoring.GroundTruth(labels=np.array([1, 2]))
    with pytest.raises(ValueError, match="classification tasks only"):
        scoring.score_revised("hierarchical", predictions([[1], [2]]), truth, class_set=CS,
                              revision=scoring.LabelRevision.from_lists([[1], [2]]))
    with pytest.raises(ValueError, match="the revision has 3 images, the ground truth 2"):
        scoring.score_revised("classification", predictions([[1], [2]]), truth, class_set=CS,
                              revision=scoring.LabelRevision.from_lists([[1], [2], [3]]))


def test_every_image_left_out_gives_no_error_but_the_counts():
    truth = scoring.GroundTruth(labels=np.array([3, 3]))
    out = scoring.score_revised("classification", predictions([[3], [1]]), truth, class_set=CS,
                                retired=scoring.retired_mask([3], 5), revision=scoring.LabelRevision.from_lists([[3], [3]]))
    assert out.metrics == {"revised_images": 0, "real_images": 0}


# ------------------------------------------------------------------------ against a slow reference
def reference(labels, sets, rows, retired):
    """The rule read aloud: skip retired guesses in place, leave out images with no live label."""
    live_rows = [[0 if g in retired else g for g in row] for row in rows]
    kept = [i for i, t in enumerate(labels) if t not in retired]
    top1 = sum(1 for i in kept if live_rows[i] and live_rows[i][0] == labels[i])
    top5 = sum(1 for i in kept if labels[i] in live_rows[i][:5])
    live_sets = [set(s) - retired for s in sets]
    real_kept = [i for i, s in enumerate(live_sets) if s]
    r1 = sum(1 for i in real_kept if live_rows[i] and live_rows[i][0] in live_sets[i])
    r5 = sum(1 for i in real_kept if any(g in live_sets[i] for g in live_rows[i][:5]))
    out = {"revised_images": len(kept), "real_images": len(real_kept)}
    if kept:
        out.update(revised_top1_error=1 - top1 / len(kept), revised_top5_error=1 - top5 / len(kept))
    if real_kept:
        out.update(real_top1_error=1 - r1 / len(real_kept), real_top5_error=1 - r5 / len(real_kept))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_revised_figures_agree_with_the_reference(seed):
    rng = np.random.default_rng(seed)
    n, classes = 400, 9
    labels = rng.integers(1, classes + 1, size=n)
    sets = [set(rng.choice(np.arange(1, classes + 1), size=rng.integers(0, 4), replace=False).tolist()) for _ in range(n)]
    rows = [rng.choice(np.arange(1, classes + 1), size=rng.integers(1, 6), replace=False).tolist() for _ in range(n)]
    retired = set(rng.choice(np.arange(1, classes + 1), size=rng.integers(0, 4), replace=False).tolist())
    cs = scoring.detection_class_set([f"n{i:08d}" for i in range(1, classes + 1)])
    out = scoring.score_revised("classification", predictions(rows), scoring.GroundTruth(labels=labels), class_set=cs,
                                retired=scoring.retired_mask(retired, classes), revision=scoring.LabelRevision.from_lists(sets))
    expected = reference(labels.tolist(), sets, rows, retired)
    assert out.metrics.keys() == expected.keys()
    for name, value in expected.items():
        assert out.metrics[name] == pytest.approx(value), name


# -------------------------------------------------------------------------------------- detection
DET = scoring.detection_class_set([f"n{i:08d}" for i in range(1, 4)])


def detection_truth(rows: dict[int, list[tuple[int, tuple[int, int, int, int]]]], n: int):
    images = "".join(f"img{i} {i}\n" for i in range(1, n + 1)).encode()
    lines = ["ImageId,PredictionString"]
    for i in range(1, n + 1):
        lines.append(f"img{i}," + " ".join(f"{DET.wnids[c - 1]} {' '.join(map(str, box))}" for c, box in rows.get(i, [])))
    return scoring.read_detection_truth(images, "\n".join(lines).encode(), class_set=DET)


def test_detection_without_a_retired_class_equals_scoring_the_rest_alone():
    rows = {1: [(1, (0, 0, 49, 49)), (2, (60, 60, 99, 99))], 2: [(2, (0, 0, 49, 49))], 3: [(3, (0, 0, 29, 29))],
            4: [(1, (10, 10, 59, 59))]}
    detections = ("1 1 0.9 0 0 49 49\n1 2 0.8 60 60 99 99\n2 1 0.7 0 0 49 49\n2 2 0.6 0 0 40 40\n"
                  "3 3 0.5 0 0 29 29\n4 1 0.4 10 10 59 59\n2 3 0.3 0 0 9 9\n")
    truth = detection_truth(rows, 4)
    result = scoring.evaluate_detection_bytes(detections.encode(), truth, class_set=DET)
    retired = scoring.retired_mask([2], 3)
    kept = scoring.detection_kept_images(truth.image, truth.label, retired, truth.n_images)
    assert kept.tolist() == [True, False, True, True]  # image 2 holds only a box of the retired class
    revised = scoring.score_revised_detection(result.trace, truth.positives(3), retired=retired, kept=kept)
    # The same truth and detections without class 2 and without image 2, scored by the slow reference.
    rest_rows = {0: [(1, (0, 0, 49, 49))], 2: [(3, (0, 0, 29, 29))], 3: [(1, (10, 10, 59, 59))]}  # 0-based images
    rest = "".join(line + "\n" for line in detections.splitlines() if line.split()[1] != "2" and line.split()[0] != "2")
    expected = ref_evaluate(rest.encode(), n_images=4, wnids=list(DET.wnids), gt=rest_rows)["map"]
    assert revised.metrics["revised_images"] == 3
    assert revised.metrics["revised_mean_average_precision"] == pytest.approx(float(expected))


def test_detection_with_every_class_retired_has_no_mean():
    truth = detection_truth({1: [(1, (0, 0, 9, 9))]}, 1)
    result = scoring.evaluate_detection_bytes(b"1 1 0.9 0 0 9 9\n", truth, class_set=DET)
    retired = scoring.retired_mask([1, 2, 3], 3)
    kept = scoring.detection_kept_images(truth.image, truth.label, retired, 1)
    out = scoring.score_revised_detection(result.trace, truth.positives(3), retired=retired, kept=kept)
    assert out.metrics == {"revised_images": 0}


# ---------------------------------------------------------------------------- the line layout
def test_the_line_layout_reads_ids_and_wnids_and_empty_lines():
    revision = scoring.read_label_sets(b"1 n00000003\n\n2\t5 \r\n\n", class_set=CS, n_images=4)
    assert revision.to_lists() == [[1, 3], [], [2, 5], []]
    assert revision.kept.tolist() == [True, False, True, False]
    assert scoring.read_label_sets(b"\xef\xbb\xbf4\n1", class_set=CS).to_lists() == [[4], [1]]


@pytest.mark.parametrize("text, expected", [
    (b"1\n6\n", "line 2: '6' is not a class of this set (an id 1..5 or a leaf WNID)"),
    (b"1 n00000009\n", "line 1: 'n00000009' is not a class of this set"),
    (b"2 n00000002\n", "line 1: 2 (n00000002) is listed twice"),
    (b"1\n1,2\n", "line 2: '1,2' is not a class of this set"),
    (b"1\n\xff\n", "line 2: the file is not UTF-8 text"),
])
def test_the_line_layout_names_the_line_of_a_problem(text, expected):
    with pytest.raises(scoring.GroundTruthError) as caught:
        scoring.read_label_sets(text, class_set=CS)
    assert expected in str(caught.value)


def test_the_line_layout_counts_images():
    with pytest.raises(scoring.GroundTruthError, match="expected 3 lines .* found 2"):
        scoring.read_label_sets(b"1\n2\n", class_set=CS, n_images=3)


def test_read_revision_tells_the_two_layouts_apart():
    # real.json's indices are 0-based in sorted-WNID order: here the same as ids - 1.
    assert scoring.read_revision(b" [[0, 2], []]", class_set=CS, n_images=2).to_lists() == [[1, 3], []]
    assert scoring.read_revision(b"1 3\n\n", class_set=CS, n_images=2).to_lists() == [[1, 3], []]
