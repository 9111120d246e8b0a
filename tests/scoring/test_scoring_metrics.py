"""Scoring rules, hand-worked (no database): flat, localization, hierarchical, bits, hints."""

import numpy as np
import pytest

from submissions import scoring
from tests.scoring_reference import DATA, DEMO_ERRORS, RefClassSet, make_demo_predictions, ref_evaluate

CS = scoring.ClassSet.ilsvrc2012()
VAL_LABELS = scoring.read_labels((DATA / "ILSVRC2012_validation_ground_truth.txt").read_bytes(), class_set=CS)


def truth_of(*labels, boxes=None, blacklist=None):
    return scoring.GroundTruth(labels=np.array(labels), boxes=boxes, blacklist=blacklist)


def evaluate(task, data, truth, guesses=5):
    return scoring.evaluate_bytes(task, data, truth, class_set=CS, guesses=guesses)


def gt_boxes(rows, n):
    """rows: (1-based image, label, x1, y1, x2, y2)."""
    text = "ImageId,PredictionString\n" + "".join(
        f"ILSVRC2012_val_{i:08d},{' '.join(f'{lab} {a} {b} {c} {d}' for (_, lab, a, b, c, d) in grp)}\n"
        for i in range(1, n + 1)
        for grp in [[r for r in rows if r[0] == i]]
    )
    return scoring.read_boxes_csv(text.encode(), class_set=CS, n_images=n)


# --- classification ------------------------------------------------------------------------


def test_it_scores_top1_and_top5_flat_error_by_hand():
    truth = truth_of(10, 20, 30, 40)
    # image 1: right first; 2: right third; 3: right fifth; 4: never
    r = evaluate("classification", b"10 1 2\n1 2 20\n1 2 3 4 30\n1 2 3 4 5\n", truth)
    assert r.images == 4
    assert r.metrics == {"top1_error": 0.75, "top5_error": 0.25}
    assert r.top1_correct.tolist() == [True, False, False, False]
    assert r.top5_correct.tolist() == [True, True, True, False]
    assert r.top1_labels.dtype == np.int16 and r.top1_labels.tolist() == [10, 1, 1, 1]


def test_it_does_not_penalize_duplicate_guesses():
    r = evaluate("classification", b"7 7 7 7 9\n", truth_of(9))
    assert r.metrics["top5_error"] == 0.0


def test_it_keeps_only_the_first_k_guesses():
    truth = truth_of(10, 20)
    data = b"1 10\n1 2 3 20\n"
    assert [evaluate("classification", data, truth, k).metrics["top5_error"] for k in (1, 2, 3, 4, 5)] == [
        1.0,
        0.5,
        0.5,
        0.0,
        0.0,
    ]
    assert evaluate("classification", data, truth, 2).guesses == 2


def test_it_reproduces_the_devkit_demo_numbers_on_the_real_validation_labels():
    data = make_demo_predictions(VAL_LABELS.tolist())
    truth = scoring.GroundTruth(labels=VAL_LABELS)
    for k, expected in enumerate(DEMO_ERRORS, start=1):
        r = evaluate("classification", data, truth, k)
        assert r.images == 50_000
        assert r.metrics["top5_error"] == pytest.approx(expected, abs=1e-12)
        assert f"{r.metrics['top5_error']:.4f}" == ("0.9990", "0.9980", "0.9972", "0.9962", "0.9950")[k - 1]


def test_it_accepts_a_perfect_submission_on_the_real_validation_labels():
    data = "\n".join(CS.wnids[t - 1] for t in VAL_LABELS).encode()
    r = evaluate("classification", data, scoring.GroundTruth(labels=VAL_LABELS))
    assert r.metrics == {"top1_error": 0.0, "top5_error": 0.0}


# --- localization --------------------------------------------------------------------------


def test_it_counts_iou_of_exactly_one_half():
    # gt 0..9 x 0..9 = 100 px; guess 0..9 x 0..4 = 50 px inside it: IoU = 50/100 = 0.5
    boxes = gt_boxes([(1, 5, 0, 0, 9, 9), (2, 5, 0, 0, 9, 9)], 2)
    truth = truth_of(5, 5, boxes=boxes)
    r = evaluate("localization", b"5 0 0 9 4\n5 0 0 9 3\n", truth)
    assert r.loc_correct.tolist() == [True, False]  # 40/100 < 0.5
    assert r.metrics["localization_error"] == 0.5


def test_it_compares_iou_exactly_at_one_half():
    # gt 0..2 x 0..13 (3 x 14 = 42 px); guess 0..2 x 0..6 (21 px) inside it: IoU = 21/42
    boxes = gt_boxes([(1, 3, 0, 0, 2, 13)], 1)
    r = evaluate("localization", b"3 0 0 2 6\n", truth_of(3, boxes=boxes))
    assert r.loc_correct.tolist() == [True]
    # one row less: 18/42 < 0.5
    r = evaluate("localization", b"3 0 1 2 6\n", truth_of(3, boxes=boxes))
    assert r.loc_correct.tolist() == [False]


def test_it_uses_inclusive_pixel_coordinates():
    boxes = gt_boxes([(1, 3, 4, 4, 4, 4), (2, 3, 5, 0, 9, 9)], 2)
    truth = truth_of(3, 3, boxes=boxes)
    # a 1-pixel box equal to a 1-pixel gt box: area 1 each, IoU 1 (0 with exclusive areas);
    # boxes 0..4 and 5..9 touch but do not overlap: width min(4,9) - max(0,5) + 1 = 0
    r = evaluate("localization", b"3 4 4 4 4\n3 0 0 4 9\n", truth)
    assert r.loc_correct.tolist() == [True, False]


def test_it_needs_the_right_label_for_localization():
    boxes = gt_boxes([(1, 3, 0, 0, 9, 9)], 1)
    r = evaluate("localization", b"4 0 0 9 9 3 50 50 60 60\n", truth_of(3, boxes=boxes))
    assert r.loc_correct.tolist() == [False]  # right box with the wrong label; right label, wrong box
    assert r.metrics["top5_error"] == 0.0 and r.metrics["top1_error"] == 1.0


def test_it_matches_any_of_several_ground_truth_boxes():
    boxes = gt_boxes([(1, 3, 0, 0, 9, 9), (1, 3, 100, 100, 119, 119)], 1)
    r = evaluate("localization", b"3 101 101 119 119\n", truth_of(3, boxes=boxes))
    assert r.loc_correct.tolist() == [True]


def test_it_ignores_ground_truth_boxes_of_other_classes():
    # image 1 is labelled 3 but also has a box of class 4 (VOC XML may list several classes)
    boxes = gt_boxes([(1, 3, 0, 0, 9, 9), (1, 4, 50, 50, 59, 59)], 1)
    truth = truth_of(3, boxes=boxes)
    assert evaluate("localization", b"4 50 50 59 59\n", truth).loc_correct.tolist() == [False]
    assert evaluate("localization", b"3 50 50 59 59\n", truth).loc_correct.tolist() == [False]
    assert evaluate("localization", b"4 50 50 59 59 3 0 0 9 9\n", truth).loc_correct.tolist() == [True]


def test_it_keeps_only_the_first_k_localization_guesses():
    boxes = gt_boxes([(1, 3, 0, 0, 9, 9)], 1)
    truth = truth_of(3, boxes=boxes)
    data = b"1 0 0 9 9 3 0 0 9 9\n"
    assert evaluate("localization", data, truth, 1).metrics["localization_error"] == 1.0
    assert evaluate("localization", data, truth, 2).metrics["localization_error"] == 0.0


def test_it_leaves_blacklisted_images_out_of_the_localization_error_only():
    boxes = gt_boxes([(i, 3, 0, 0, 9, 9) for i in range(1, 5)], 4)
    blacklist = scoring.read_blacklist(b"2\n", n_images=4)
    truth = truth_of(3, 3, 3, 3, boxes=boxes, blacklist=blacklist)
    # image 1 right, 2 (blacklisted) wrong, 3 right, 4 wrong box
    r = evaluate("localization", b"3 0 0 9 9\n4 0 0 9 9\n3 0 0 9 9\n3 50 50 60 60\n", truth)
    assert r.metrics["localization_error"] == 1 / 3  # 1 wrong of the 3 counted images
    assert r.metrics["top1_error"] == 0.25  # classification counts every image
    assert r.blacklist.tolist() == [False, True, False, False]


def test_it_reports_classification_errors_of_the_localization_labels():
    boxes = gt_boxes([(1, 3, 0, 0, 9, 9), (2, 8, 0, 0, 9, 9)], 2)
    r = evaluate("localization", b"1 0 0 1 1 3 0 0 1 1\n8 0 0 9 9\n", truth_of(3, 8, boxes=boxes))
    assert r.metrics == {"top1_error": 0.5, "top5_error": 0.0, "localization_error": 0.5}


def test_it_refuses_localization_without_boxes():
    p = scoring.parse_classification(b"1\n", n_images=1, class_set=CS)
    with pytest.raises(ValueError):
        scoring.score("localization", p, truth_of(1), class_set=CS)


# --- hierarchical --------------------------------------------------------------------------


def test_it_scores_the_hierarchical_error_as_the_mean_lowest_lca_height():
    truth = truth_of(1, 2, 1000)
    # image 1 (kit fox): guesses English setter (6) and dumbbell (16): min 6
    # image 2 (English setter): Siberian husky (5); image 3 (dumbbell): exact (0)
    r = evaluate("hierarchical", b"2 1000\n3\n1 1000\n", truth)
    assert r.hier_cost.dtype == np.uint8 and r.hier_cost.tolist() == [6, 5, 0]
    assert r.metrics["hierarchical_error"] == pytest.approx(11 / 3)
    assert r.metrics["hierarchical_error_normalized"] == pytest.approx(11 / 3 / 19)
    assert r.metrics["top5_error"] == pytest.approx(2 / 3)


def test_it_takes_the_first_k_guesses_for_the_hierarchical_error():
    r = evaluate("hierarchical", b"1000 2\n", truth_of(1), guesses=1)
    assert r.hier_cost.tolist() == [16]


def test_it_agrees_with_the_reference_on_random_hierarchical_files():
    rng = np.random.default_rng(5)
    truth = rng.integers(1, 1001, 200)
    lines = [" ".join(str(v) for v in rng.integers(1, 1001, rng.integers(1, 6))) for _ in range(200)]
    data = "\n".join(lines).encode()
    ours = evaluate("hierarchical", data, truth_of(*truth))
    ref = ref_evaluate("hierarchical", data, truth.tolist(), cs=RefClassSet.ilsvrc2012())
    assert ours.hier_cost.tolist() == ref["hier_cost"]
    assert ours.metrics["hierarchical_error"] == pytest.approx(ref["hierarchical_error"], abs=1e-12)


# --- per-image bits and hints ---------------------------------------------------------------


def test_it_round_trips_the_per_image_bits():
    boxes = gt_boxes([(i, 3, 0, 0, 9, 9) for i in range(1, 10)], 9)
    truth = scoring.GroundTruth(labels=np.full(9, 3), boxes=boxes, blacklist=np.eye(1, 9, 4, dtype=bool)[0])
    data = b"".join(b"3 0 0 9 9\n" if i % 2 else b"2 0 0 9 9 3 0 0 1 1\n" for i in range(9))
    r = evaluate("localization", data, truth)
    bits = r.to_bits()
    assert len(bits["top1_correct"]) == 2 and len(bits["top1_labels"]) == 18
    back = scoring.Result.from_bits(bits, task="localization", images=9)
    assert back.metrics == r.metrics
    assert back.loc_correct.tolist() == r.loc_correct.tolist()
    assert back.top1_labels.tolist() == r.top1_labels.tolist()
    h = evaluate("hierarchical", b"2 1000\n3\n", truth_of(1, 2))
    back = scoring.Result.from_bits(h.to_bits(), task="hierarchical", images=2, max_height=19)
    assert back.metrics == h.metrics and back.hier_cost.tolist() == [6, 5]


def test_it_warns_when_labels_look_like_sorted_wnid_positions():
    truth = scoring.GroundTruth(labels=VAL_LABELS[:2000])
    as_sorted = CS.id_to_sorted_index[VAL_LABELS[:2000]]  # 0-based torchvision indices
    one_based = "\n".join(str(k + 1) for k in as_sorted).encode()
    r = evaluate("classification", one_based, truth)
    assert r.metrics["top5_error"] > 0.99
    assert len(r.warnings) == 1 and "sorted-WNID order" in r.warnings[0]
    # 0-based indices that happen to contain no 0 (so the file is accepted)
    zero_based = "\n".join(str(k) if k else "1" for k in as_sorted).encode()
    assert "0-based" in evaluate("classification", zero_based, truth).warnings[0]


def test_it_does_not_warn_on_good_or_merely_bad_predictions():
    truth = scoring.GroundTruth(labels=VAL_LABELS[:2000])
    good = "\n".join(str(t) for t in VAL_LABELS[:2000]).encode()
    assert evaluate("classification", good, truth).warnings == []
    rng = np.random.default_rng(0)
    noise = "\n".join(str(v) for v in rng.integers(1, 1001, 2000)).encode()
    assert evaluate("classification", noise, truth).warnings == []


def test_it_refuses_bad_arguments_to_score():
    p = scoring.parse_classification(b"1\n", n_images=1, class_set=CS)
    with pytest.raises(ValueError):
        scoring.score("detection", p, truth_of(1), class_set=CS)
    with pytest.raises(ValueError):
        scoring.score("classification", p, truth_of(1), class_set=CS, guesses=6)
    with pytest.raises(ValueError):
        scoring.score("classification", p, truth_of(1, 2), class_set=CS)
