"""Object detection (DET) scoring: hand-worked cases, with the AP worked out in comments.

No database. Each case is also checked against the slow reference in
tests/detection_reference.py, so the comments, the reference and the fast code agree.
"""

from fractions import Fraction

import numpy as np
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
    images = scoring.read_image_list(image_list(n))
    truth = scoring.read_detection_boxes_csv("\n".join(lines).encode(), images=images, class_set=CS)
    pairs = scoring.read_detection_blacklist(blacklist, n_images=n, class_set=CS)
    return scoring.DetectionTruth(n, truth.image, truth.label, truth.boxes, pairs, truth.names)


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


# --- prediction file errors ------------------------------------------------------------------


def errors_of(data: bytes, n_images: int = 3) -> scoring.PredictionFileError:
    with pytest.raises(scoring.PredictionFileError) as info:
        scoring.parse_detections(data, n_images=n_images, class_set=CS)
    return info.value


def test_it_names_each_bad_line_and_what_was_expected():
    data = (
        b"1 1 0.5 0 0 9 9\n"
        b"1 1 0.5 0 0 9\n"
        b"4 1 0.5 0 0 9 9\n"
        b"1 4 0.5 0 0 9 9\n"
        b"1 n00000009 0.5 0 0 9 9\n"
        b"1 1 nan 0 0 9 9\n"
        b"1 1 1e400 0 0 9 9\n"
        b"1 1 0.5 0.5 0 9 9\n"
        b"1 1 0.5 9 0 8 9\n"
        b"1 1 0.5 0 9 9 8\n"
        b"\n"
        b"0 1 0.5 0 0 9 9\n"
    )
    e = errors_of(data)
    got = [(x.line, x.message) for x in e.errors]
    assert got == [
        (2, "6 fields; expected 7 fields 'image_index class_id confidence xmin ymin xmax ymax'"),
        (3, "image_index 4 is outside 1..3 (the image list)"),
        (4, "class_id 4 is outside 1..3"),
        (5, "unknown WNID n00000009: not one of the 3 classes"),
        (6, "confidence 'nan' is not a decimal number"),
        (7, "confidence '1e400' is too large (not a finite number)"),
        (8, "xmin '0.5' is not an integer; boxes are in whole pixels"),
        (9, "empty box: xmax 8 < xmin 9; expected xmin <= xmax and ymin <= ymax"),
        (10, "empty box: ymax 8 < ymin 9; expected xmin <= xmax and ymin <= ymax"),
        (11, "empty line: expected 7 fields 'image_index class_id confidence xmin ymin xmax ymax'"),
    ]
    assert e.omitted == 1 and "... and 1 more error not shown" in str(e)


def test_it_refuses_binary_and_utf16_files():
    assert "UTF-16" in str(errors_of("1 1 0.5 0 0 9 9\n".encode("utf-16")))
    assert errors_of(b"1 1 0.5 0 0 9 9\n1 1 \x00 0 0 9 9\n").errors[0].line == 2
    assert errors_of(b"1 1 0.5 0 0 9 9\n\xff\n").errors[0].line == 2


def test_it_reads_the_number_forms_a_detector_writes():
    data = b"\xef\xbb\xbf1\t1 1e-05 0 0 9 9\r\n2 n00000003 -.5 -3 -4 5 6 \n003 2 +7. 0 0 0 0\n"
    d = scoring.parse_detections(data, n_images=3, class_set=CS)
    assert d.image.tolist() == [0, 1, 2] and d.label.tolist() == [1, 3, 2]
    assert d.confidence.tolist() == [1e-05, -0.5, 7.0]
    assert d.boxes.tolist() == [[0, 0, 9, 9], [-3, -4, 5, 6], [0, 0, 0, 0]]


# --- ground truth readers ----------------------------------------------------------------------


def gt_error(func, *args, **kw) -> scoring.GroundTruthError:
    with pytest.raises(scoring.GroundTruthError) as info:
        func(*args, **kw)
    return info.value


def test_it_reads_an_image_list_in_any_order_and_refuses_gaps_and_repeats():
    images = scoring.read_image_list(b"b 2\na 1\r\n")
    assert images.names == ("a", "b") and images.index_of["b"] == 1
    e = gt_error(scoring.read_image_list, b"a 1\nb 1\nc 6\nd\na 3\n")
    assert [(x.line, x.message) for x in e.errors] == [
        (2, "index 1 is listed twice"),
        (3, "index '6' is not an integer 1..5 (the number of images listed)"),
        (4, "1 fields; expected '<name> <index>'"),
        (5, "image 'a' is already listed on line 1"),
    ]
    assert "empty" in str(gt_error(scoring.read_image_list, b"\n"))


def test_it_reports_bad_rows_of_the_boxes_csv():
    images = scoring.read_image_list(image_list(4))
    data = (
        b"ImageId,PredictionString\nimg1,n00000001 0 0 9\nimg9,\nimg2,n00000009 0 0 9 9\n"
        b"img2,1 0 0 9 9\nimg3,1 5 0 4 9\n"
    )
    e = gt_error(scoring.read_detection_boxes_csv, data, images=images, class_set=CS)
    assert [(x.line, x.message) for x in e.errors] == [
        (None, "no boxes given for 1 of 4 images (img4)"),
        (2, "4 values: expected groups of 5 'wnid xmin ymin xmax ymax'"),
        (3, "image 'img9' is not in the image list"),
        (4, "box 1: unknown WNID n00000009: not one of the 3 classes"),
        (5, "image 'img2' appears twice"),
        (6, "box 1: empty box 5 0 4 9: expected xmin <= xmax and ymin <= ymax"),
    ]


def test_it_reads_the_devkit_xml_folder(tmp_path):
    xml = (
        "<annotation><object><name>{}</name><bndbox><xmin>{}</xmin><ymin>0</ymin>"
        "<xmax>9</xmax><ymax>9</ymax></bndbox></object></annotation>"
    )
    (tmp_path / "img1.xml").write_text(xml.format("n00000002", 1))
    (tmp_path / "img2.xml").write_text("<annotation><size><width>5</width></size></annotation>")
    images = scoring.read_image_list(image_list(2))
    truth = scoring.read_detection_boxes_xml_dir(tmp_path, images=images, class_set=CS)
    assert truth.image.tolist() == [0] and truth.label.tolist() == [2] and truth.boxes.tolist() == [[1, 0, 9, 9]]
    (tmp_path / "img2.xml").write_text(xml.format("n00000001", "x"))
    (tmp_path / "other.xml").write_text("<annotation/>")
    e = gt_error(scoring.read_detection_boxes_xml_dir, tmp_path, images=images, class_set=CS)
    messages = [x.message for x in e.errors]
    assert "img2.xml: object 1: coordinate 'x' is not a non-negative integer of at most 8 digits" in messages
    assert "other.xml: image 'other' is not in the image list" in messages


def test_it_reports_bad_blacklist_lines():
    pairs = scoring.read_detection_blacklist(b"2 n00000003\n1 1\n2 3\n", n_images=2, class_set=CS)
    assert pairs.tolist() == [[0, 1], [1, 3]]
    e = gt_error(scoring.read_detection_blacklist, b"3 1\n1 n00000009\n1\n", n_images=2, class_set=CS)
    assert [x.line for x in e.errors] == [1, 2, 3]


def test_load_detection_truth_reads_the_files_together(tmp_path):
    (tmp_path / "val.txt").write_bytes(image_list(2))
    (tmp_path / "boxes.csv").write_bytes(b"img1,n00000001 0 0 9 9\nimg2,\n")
    (tmp_path / "blacklist.txt").write_bytes(b"1 n00000001\n")
    truth = scoring.load_detection_truth(
        tmp_path / "val.txt", tmp_path / "boxes.csv", class_set=CS, blacklist_path=tmp_path / "blacklist.txt"
    )
    assert len(truth) == 1 and truth.kept.tolist() == [False] and truth.names == ("img1", "img2")


def test_a_too_large_ground_truth_box_is_refused():
    images = scoring.read_image_list(image_list(1))
    e = gt_error(scoring.read_detection_boxes_csv, b"img1,1 0 0 16384 16383\n", images=images, class_set=CS)
    assert "larger than 268,435,456 pixels" in str(e)


# --- trace, bootstrap, paired test ----------------------------------------------------------------


def synthetic(seed: int = 3, n: int = 300, per_image: float = 6.0):
    syn = scoring.synthetic_detection(n, WNIDS, seed, detections_per_image=per_image)
    images = scoring.read_image_list(syn.image_list)
    truth = scoring.read_detection_boxes_csv(syn.boxes_csv, images=images, class_set=CS)
    pairs = scoring.read_detection_blacklist(syn.blacklist, n_images=n, class_set=CS)
    truth = scoring.DetectionTruth(n, truth.image, truth.label, truth.boxes, pairs, truth.names)
    return syn, truth


def test_the_synthetic_data_is_deterministic_and_scores():
    a, truth = synthetic()
    b, _ = synthetic()
    assert a == b and a != synthetic(seed=4)[0]
    result = scoring.evaluate_detection_bytes(a.predictions, truth, class_set=CS)
    assert 0.2 < result.mean_average_precision < 0.9 and result.classes_evaluated == 3
    assert result.ignored > 0


def test_the_trace_round_trips_through_bytes_and_gives_the_same_map():
    syn, truth = synthetic()
    result = scoring.evaluate_detection_bytes(syn.predictions, truth, class_set=CS)
    data = result.trace.to_bytes()
    trace = scoring.DetectionTrace.from_bytes(data)
    assert np.array_equal(trace.image, result.trace.image) and np.array_equal(trace.offsets, result.trace.offsets)
    assert np.array_equal(trace.true_positive, result.trace.true_positive)
    assert len(data) <= 40 + 4 * 3 + 2.2 * trace.detections
    positives = scoring.DetectionPositives.from_bytes(result.positives.to_bytes())
    ones = np.ones((1, truth.n_images), dtype=np.int32)
    assert scoring.weighted_map(trace, positives, ones)[0] == result.mean_average_precision
    for broken in (data[:-1], b"x" + data[1:], data + b"\0"):
        with pytest.raises(ValueError):
            scoring.DetectionTrace.from_bytes(broken)


def test_the_bootstrap_interval_is_deterministic_and_brackets_the_score():
    syn, truth = synthetic()
    result = scoring.evaluate_detection_bytes(syn.predictions, truth, class_set=CS)
    low, high = scoring.bootstrap_map_ci(result.trace, result.positives, resamples=100, seed=5)
    assert (low, high) == scoring.bootstrap_map_ci(result.trace, result.positives, resamples=100, seed=5)
    assert low < result.mean_average_precision < high and high - low < 0.3
    assert (low, high) != scoring.bootstrap_map_ci(result.trace, result.positives, resamples=100, seed=6)


def perfect_file(truth) -> bytes:
    return "".join(
        f"{i + 1} {c} 1 {' '.join(map(str, b))}\n" for i, c, b in zip(truth.image, truth.label, truth.boxes.tolist())
    ).encode()


def test_a_perfect_entry_has_a_point_interval_and_beats_a_noisy_one():
    syn, truth = synthetic()
    perfect = scoring.evaluate_detection_bytes(perfect_file(truth), truth, class_set=CS)
    noisy = scoring.evaluate_detection_bytes(syn.predictions, truth, class_set=CS)
    assert perfect.mean_average_precision == 1.0
    assert scoring.bootstrap_map_ci(perfect.trace, perfect.positives, resamples=50) == (1.0, 1.0)
    test = scoring.paired_map_test(perfect.trace, noisy.trace, perfect.positives, resamples=100, seed=1)
    assert test.a_better == 100 and test.b_better == 0 and test.a_significantly_better
    assert test.p_value == pytest.approx(2 / 101)
    back = scoring.paired_map_test(noisy.trace, perfect.trace, perfect.positives, resamples=100, seed=1)
    assert back.b_significantly_better and not back.a_significantly_better


def test_an_entry_against_itself_is_never_significant():
    syn, truth = synthetic()
    r = scoring.evaluate_detection_bytes(syn.predictions, truth, class_set=CS)
    test = scoring.paired_map_test(r.trace, r.trace, r.positives, resamples=50)
    assert (test.a_better, test.b_better, test.p_value) == (0, 0, 1.0)


def test_traces_of_another_ground_truth_are_refused():
    syn, truth = synthetic()
    r = scoring.evaluate_detection_bytes(syn.predictions, truth, class_set=CS)
    _, other = synthetic(n=10)
    with pytest.raises(ValueError, match="images"):
        scoring.bootstrap_map_ci(r.trace, other.positives(3))


def test_a_subset_of_images_is_scored_exactly_from_the_full_trace():
    # The site's public part of a split: the mAP on some images, from the one trace, equals
    # scoring those images alone; its interval resamples only them.
    syn, truth = synthetic()
    full = scoring.evaluate_detection_bytes(syn.predictions, truth, class_set=CS)
    mask = np.arange(truth.n_images) % 3 == 0
    keep = np.flatnonzero(mask)
    new_index = np.cumsum(mask) - 1
    boxes = np.isin(truth.image, keep)
    pairs = truth.blacklist[np.isin(truth.blacklist[:, 0], keep)]
    alone = scoring.DetectionTruth(
        len(keep), new_index[truth.image[boxes]], truth.label[boxes], truth.boxes[boxes],
        np.stack([new_index[pairs[:, 0]], pairs[:, 1]], axis=1),
    )
    dets = scoring.parse_detections(syn.predictions, n_images=truth.n_images, class_set=CS)
    rows = np.isin(dets.image, keep)
    sub = scoring.Detections(
        new_index[dets.image[rows]].astype(np.int32), dets.label[rows], dets.confidence[rows], dets.boxes[rows]
    )
    expected = scoring.score_detections(sub, alone, class_set=CS).mean_average_precision
    got = scoring.weighted_map(full.trace, full.positives, scoring.subset_weights(truth.n_images, mask))[0]
    assert got == pytest.approx(expected, abs=1e-12)
    low, high = scoring.bootstrap_map_ci(full.trace, full.positives, resamples=60, subset=mask)
    assert low < got < high
    for w in scoring.image_resample_weights(truth.n_images, 5, 1, mask):
        assert not w[:, ~mask].any() and (w.sum(axis=1) == mask.sum()).all()
