"""Object detection (DET) scoring: hand-worked cases, with the AP worked out in comments.

No database. Each case is also checked against the slow reference in
tests/detection_reference.py, so the comments, the reference and the fast code agree. The file
formats are in test_scoring_detection_files.py, the trace and the bootstrap in
test_scoring_detection_bootstrap.py, the property tests in test_scoring_detection_properties.py.
"""

from fractions import Fraction

import pytest

from submissions import scoring
from tests.detection_reference import ref_evaluate

WNIDS = ["n00000001", "n00000002", "n00000003"]
CS = scoring.detection_class_set(WNIDS)


def image_list(n: int) -> bytes:
    return "".join(f"img{i} {i}\n" for i in range(1, n + 1)).encode()


def truth_from(rows: dict[int, list[tuple[int, tuple[int, int, int, int]]]], n: int, blacklist: bytes = b""):
    """Ground truth from {1-based image: [(class id, box), ...]}, written as CSV and read back."""
    lines = ["ImageId,PredictionString"]
    for i in range(1, n + 1):
        groups = [f"{WNIDS[c - 1]} {' '.join(map(str, box))}" for c, box in rows.get(i, [])]
        lines.append(f"img{i},{' '.join(groups)}")
    return scoring.read_detection_truth(image_list(n), "\n".join(lines).encode(), class_set=CS, blacklist=blacklist)


def score(rows, n: int, predictions: str, blacklist: bytes = b"") -> scoring.DetectionResult:
    """Score with the fast code, check every AP against the reference, return the result."""
    truth = truth_from(rows, n, blacklist)
    result = scoring.evaluate_detection_bytes(predictions.encode(), truth, class_set=CS)
    gt = {i - 1: boxes for i, boxes in rows.items()}
    pairs = {(int(a), int(b)) for a, b in truth.blacklist.tolist()}
    ref = ref_evaluate(predictions.encode(), n_images=n, wnids=WNIDS, gt=gt, blacklist=pairs)
    expected = {WNIDS[c - 1]: float(ap) for c, ap in ref["ap"].items() if ap is not None}
    assert result.average_precision == pytest.approx(expected, abs=1e-12)
    assert result.mean_average_precision == pytest.approx(float(ref["map"]), abs=1e-12)
    return result


def ap(result, cid: int = 1) -> float:
    return result.average_precision[WNIDS[cid - 1]]


# --- thresholds ---------------------------------------------------------------------------------


def test_a_small_object_passes_at_iou_0_3_under_its_own_threshold_and_a_big_one_fails():
    # Image 1: a 10x10 box; its threshold is 100 / (20 * 20) = 0.25. The detection 0 0 9 2 lies
    # inside it: IoU = 30 / 100 = 0.3 >= 0.25: a true positive.
    # Image 2: a 100x100 box; its threshold is min(0.5, 10000 / 110**2) = 0.5. The detection
    # 0 0 99 29 lies inside it: IoU = 3000 / 10000 = 0.3 < 0.5: a false positive.
    # Ranking: TP (P = 1, R = 1/2), FP (P = 1/2). AP = 1/2 * 1 = 0.5.
    rows = {1: [(1, (0, 0, 9, 9))], 2: [(1, (0, 0, 99, 99))]}
    result = score(rows, 2, "1 1 0.9 0 0 9 2\n2 1 0.8 0 0 99 29\n")
    assert ap(result) == 0.5
    assert result.true_positives == 1


def test_the_threshold_is_decided_exactly_even_when_it_is_not_a_binary_fraction():
    # A 5x5 box (5 5 9 9) has the threshold 25 / 225 = 1/9. The detection 0 0 14 14 contains
    # it: IoU = 25 / 225 = 1/9 exactly: it passes (>=). The detection 0 0 14 15 in image 2:
    # IoU = 25 / 240 < 1/9: it fails. Ranking TP, FP: AP = 1/2 * 1 = 0.5.
    rows = {1: [(1, (5, 5, 9, 9))], 2: [(1, (5, 5, 9, 9))]}
    result = score(rows, 2, "1 1 0.9 0 0 14 14\n2 1 0.8 0 0 14 15\n")
    assert ap(result) == 0.5


def test_an_iou_of_exactly_one_half_counts():
    # 0 0 9 9 against 0 0 9 19: intersection 100, union 200: IoU = 1/2 >= 1/2 (the 10x20
    # box's threshold is min(0.5, 200 / 600) = 1/3 anyway). And against 0 0 99 99 (threshold
    # 1/2), the detection 0 0 99 49: IoU = 5000 / 10000 = 1/2: a true positive. AP = 1.
    rows = {1: [(1, (0, 0, 99, 99))]}
    assert ap(score(rows, 1, "1 1 0.5 0 0 99 49\n")) == 1.0
    assert ap(score(rows, 1, "1 1 0.5 0 0 99 48\n")) == 0.0


# --- matching -----------------------------------------------------------------------------------


def test_a_duplicate_detection_is_a_false_positive():
    # One box in image 1 and one in image 2. The image-1 box is found twice (0.9, 0.8): the
    # second finds it already matched: false positive. Then image 2's box at 0.7.
    # Ranking TP, FP, TP: precision 1, 1/2, 2/3; recall 1/2, 1/2, 1.
    # Interpolated precision at the TPs: max(1, 1/2, 2/3) = 1 and 2/3.
    # AP = 1/2 * 1 + 1/2 * 2/3 = 5/6.
    rows = {1: [(1, (10, 10, 59, 59))], 2: [(1, (0, 0, 29, 29))]}
    preds = "1 1 0.9 10 10 59 59\n1 1 0.8 11 10 59 59\n2 1 0.7 0 0 29 29\n"
    result = score(rows, 2, preds)
    assert ap(result) == pytest.approx(5 / 6, abs=1e-15)
    assert result.true_positives == 2


def test_two_boxes_of_one_class_in_one_image_each_detection_takes_its_best_free_box():
    # A = 0 0 49 49 and B = 20 0 69 49, both class 1 in image 1 (A listed first).
    # d1 = 14 0 63 49 (0.9): IoU with A = 1800 / 3200 = 0.5625, with B = 2200 / 2800 = 0.786:
    # both pass, it takes B (the higher). d2 = A exactly (0.8): A is free: TP.
    # (Had d1 taken A, d2 would have IoU 1500 / 3500 < 0.5 with B: a FP.) AP = 1.
    rows = {1: [(1, (0, 0, 49, 49)), (1, (20, 0, 69, 49))]}
    result = score(rows, 1, "1 1 0.9 14 0 63 49\n1 1 0.8 0 0 49 49\n")
    assert ap(result) == 1.0 and result.true_positives == 2


def test_an_iou_tie_between_two_free_boxes_goes_to_the_first_box_in_ground_truth_order():
    # A = 0 0 9 9 and B = 10 0 19 9 (thresholds 1/4). d1 = 5 0 14 9 (0.9) has IoU 50/150 = 1/3
    # with both: it takes the first listed. d2 = 2 0 11 9 (0.8) passes only with A (IoU 2/3;
    # with B 20/180 < 1/4).
    # A listed first: d1 takes A, d2 is a FP: ranking TP, FP with 2 positives: AP = 1/2.
    # B listed first: d1 takes B, d2 takes A: AP = 1.
    preds = "1 1 0.9 5 0 14 9\n1 1 0.8 2 0 11 9\n"
    a, b = (1, (0, 0, 9, 9)), (1, (10, 0, 19, 9))
    assert ap(score({1: [a, b]}, 1, preds)) == 0.5
    assert ap(score({1: [b, a]}, 1, preds)) == 1.0


def test_an_image_with_no_object_only_has_false_positives():
    # Image 2 has no box. Its detection (0.95) ranks first: FP (precision 0); then the
    # image-1 TP: precision 1/2, recall 1. AP = 1 * 1/2 = 0.5.
    rows = {1: [(1, (0, 0, 19, 19))]}
    result = score(rows, 2, "2 1 0.95 0 0 19 19\n1 1 0.9 0 0 19 19\n")
    assert ap(result) == 0.5


def test_the_blacklist_removes_the_pairs_detections_and_boxes():
    # Boxes of class 1 in images 1 and 2. Detections: image 1 exact (0.9), image 1 wrong
    # (0.85), image 2 exact (0.8).
    # Without a blacklist: TP, FP, TP: AP = 1/2 * 1 + 1/2 * 2/3 = 5/6.
    # Blacklisting (image 1, class 1): both image-1 detections are ignored and its box is no
    # positive: 1 positive, ranking [TP]: AP = 1.
    rows = {1: [(1, (0, 0, 19, 19))], 2: [(1, (0, 0, 19, 19))]}
    preds = "1 1 0.9 0 0 19 19\n1 1 0.85 40 40 59 59\n2 1 0.8 0 0 19 19\n"
    assert ap(score(rows, 2, preds)) == pytest.approx(5 / 6, abs=1e-15)
    result = score(rows, 2, preds, blacklist=b"1 n00000001\n")
    assert ap(result) == 1.0
    assert result.ignored == 2 and result.trace.detections == 1


def test_a_class_whose_every_box_is_blacklisted_is_not_evaluated():
    rows = {1: [(1, (0, 0, 19, 19)), (2, (0, 0, 9, 9))]}
    result = score(rows, 1, "1 2 0.5 0 0 9 9\n", blacklist=b"1 1\n")
    assert result.average_precision == {"n00000002": 1.0}
    assert result.classes_evaluated == 1


def test_confidence_ties_go_by_image_index_then_by_line():
    # Boxes of class 1 in images 1 and 2. All three detections have confidence 0.5:
    #   line 1: image 2, a wrong box; line 2: image 1, exact; line 3: image 2, exact.
    # Ranked: image 1 first (line 2: TP), then image 2 in file order (line 1: FP, line 3: TP).
    # TP, FP, TP: AP = 1/2 + 1/2 * 2/3 = 5/6 (file order alone would give FP, TP, TP: 2/3).
    rows = {1: [(1, (0, 0, 19, 19))], 2: [(1, (0, 0, 19, 19))]}
    preds = "2 1 0.5 50 50 69 69\n1 1 0.5 0 0 19 19\n2 1 0.5 0 0 19 19\n"
    assert ap(score(rows, 2, preds)) == pytest.approx(5 / 6, abs=1e-15)


def test_a_confidence_tie_in_one_image_gives_the_box_to_the_earlier_line():
    # Two detections of the one box at 0.5: line 1 (IoU 0.6) is ranked first and matches;
    # line 2 (IoU 1) is a duplicate. Ranking TP, FP: AP = 1 either way, but the TP is line 1.
    rows = {1: [(1, (0, 0, 9, 9))]}
    truth = truth_from(rows, 1)
    dets = scoring.parse_detections(b"1 1 0.5 0 0 5 9\n1 1 0.5 0 0 9 9\n", n_images=1, class_set=CS)
    order, tp = scoring.match_detections(dets, truth)
    assert order.tolist() == [0, 1] and tp.tolist() == [True, False]


def test_a_class_without_positives_is_left_out_of_map():
    # Class 3 has detections but no box: it has no AP and is not in the mean.
    # Class 1: one box found: AP 1. Class 2: one box, missed: AP 0. mAP = (1 + 0) / 2.
    rows = {1: [(1, (0, 0, 19, 19)), (2, (30, 30, 49, 49))]}
    result = score(rows, 1, "1 1 0.9 0 0 19 19\n1 3 0.9 0 0 19 19\n1 2 0.1 0 0 5 5\n")
    assert result.average_precision == {"n00000001": 1.0, "n00000002": 0.0}
    assert result.classes_evaluated == 2
    assert result.mean_average_precision == 0.5


def test_zero_detections_give_ap_zero():
    rows = {1: [(1, (0, 0, 19, 19))], 2: [(2, (0, 0, 9, 9))]}
    for empty in ("", "\n", "  \r\n"):
        result = score(rows, 2, empty)
        assert result.average_precision == {"n00000001": 0.0, "n00000002": 0.0}
        assert result.mean_average_precision == 0.0 and result.detections == 0


def test_class_ids_may_be_wnids_and_negative_coordinates_are_allowed():
    rows = {1: [(2, (0, 0, 19, 19))]}
    # -1 -1 19 19 is 21x21: IoU = 400 / 441 >= 0.5.
    assert ap(score(rows, 1, "1 n00000002 3 -1 -1 19 19\n"), 2) == 1.0


def test_ground_truth_without_any_positive_is_refused():
    truth = truth_from({1: [(1, (0, 0, 9, 9))]}, 1, blacklist=b"1 1\n")
    with pytest.raises(scoring.GroundTruthError, match="mAP is undefined"):
        scoring.evaluate_detection_bytes(b"", truth, class_set=CS)


def test_the_worked_example_of_the_docs():
    # docs/scoring.md, "Object detection". Class 1 ranked: line 1, 2, 3, then the 0.6 tie by
    # image (line 5 before line 4): TP, FP, FP, TP, TP; precision 1, 1/2, 1/3, 1/2, 3/5;
    # interpolated at the TPs 1, 3/5, 3/5. AP = (1 + 3/5 + 3/5) / 3 = 11/15. Class 2: AP 1.
    # mAP = (11/15 + 1) / 2 = 13/15.
    rows = {
        1: [(1, (10, 10, 59, 59)), (1, (100, 100, 104, 104))],
        2: [(1, (0, 0, 99, 99))],
        3: [(2, (0, 0, 39, 39))],
    }
    preds = (
        "1 1 0.9 12 10 61 59\n"  # TP: IoU 2400/2600 with the 50x50 box
        "2 1 0.8 0 0 99 39\n"  # FP: IoU 0.4 < 0.5 with the 100x100 box
        "1 1 0.7 10 10 59 59\n"  # FP: duplicate, the 50x50 box is taken
        "2 1 0.6 0 0 99 99\n"  # TP, ranked after the next line (same confidence, image 2)
        "1 1 0.6 98 98 105 105\n"  # TP: IoU 25/64 ~ 0.39 >= 25/225, the 5x5 box's threshold
        "3 2 0.7 0 0 39 39\n"  # TP
    )
    result = score(rows, 3, preds)
    assert ap(result, 1) == pytest.approx(float(Fraction(11, 15)), abs=1e-15)
    assert ap(result, 2) == 1.0
    assert result.mean_average_precision == pytest.approx(float(Fraction(13, 15)), abs=1e-15)
    truth = truth_from(rows, 3)
    order, tp = scoring.match_detections(scoring.parse_detections(preds.encode(), n_images=3, class_set=CS), truth)
    assert order.tolist() == [0, 1, 2, 4, 3, 5] and tp.tolist() == [True, False, False, True, True, True]
