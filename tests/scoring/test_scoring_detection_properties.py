"""Property tests: the fast detection scorer agrees with the slow reference on random small
inputs (boxes, confidences with ties, blacklists, image weights), and any bytes give
detections or a PredictionFileError. No database."""

from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from submissions import scoring
from submissions.scoring.formats.detections import precise_parse_detections
from submissions.scoring.formats.detections_fast import fast_parse_detections
from submissions.scoring.formats.text import check_text, file_body
from tests.detection_reference import RefInvalid, ref_average_precisions, ref_evaluate, ref_map, ref_parse

WNIDS = ["n00000011", "n00000022", "n00000033"]
CS = scoring.detection_class_set(WNIDS)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CONFIDENCES = ["0.9", "0.5", "0.50", "0.1", "1", "-2", "5e-1", ".5", "0.7"]  # "0.5" = "0.50" = ".5": ties


@st.composite
def boxes(draw, near=None):
    if near is not None and draw(st.booleans()):
        x1, y1 = (max(0, v + draw(st.integers(-3, 3))) for v in near[:2])
        return (x1, y1, max(x1, near[2] + draw(st.integers(-3, 3))), max(y1, near[3] + draw(st.integers(-3, 3))))
    x1, y1 = draw(st.integers(0, 30)), draw(st.integers(0, 30))
    return (x1, y1, x1 + draw(st.integers(0, 25)), y1 + draw(st.integers(0, 25)))


@st.composite
def cases(draw):
    """(n images, ground truth {image: [(class, box)]}, detection lines, blacklist pairs)."""
    n = draw(st.integers(1, 4))
    gt = {}
    for i in range(n):  # boxes often near the previous one, of few classes: choices matter
        gt[i] = []
        for _ in range(draw(st.integers(0, 4))):
            near = gt[i][-1][1] if gt[i] else None
            gt[i].append((draw(st.sampled_from([1, 1, 2, 3])), draw(boxes(near=near))))
    lines, dets = [], []
    for _ in range(draw(st.integers(0, 14))):
        image = draw(st.integers(0, n - 1))
        targets = [b for c, b in gt[image]]
        box = draw(boxes(near=draw(st.sampled_from(targets)) if targets else None))
        cid = draw(st.integers(1, 3))
        label = WNIDS[cid - 1] if draw(st.integers(0, 3)) == 0 else str(cid)
        lines.append(f"{image + 1} {label} {draw(st.sampled_from(CONFIDENCES))} {' '.join(map(str, box))}")
    pairs = draw(st.sets(st.tuples(st.integers(0, n - 1), st.integers(1, 3)), max_size=3))
    return n, gt, ("\n".join(lines) + draw(st.sampled_from(["", "\n"]))).encode(), pairs


def truth_of(n, gt, pairs) -> scoring.DetectionTruth:
    rows = [(i, c, b) for i in range(n) for c, b in gt[i]]
    return scoring.DetectionTruth(
        n,
        np.array([r[0] for r in rows], dtype=np.int32),
        np.array([r[1] for r in rows], dtype=np.int16),
        np.array([r[2] for r in rows], dtype=np.int32).reshape(-1, 4),
        np.array(sorted(pairs), dtype=np.int32).reshape(-1, 2),
    )


@SETTINGS
@given(cases())
def test_it_agrees_with_the_reference_on_random_detections(case):
    n, gt, data, pairs = case
    truth = truth_of(n, gt, pairs)
    ref = ref_evaluate(data, n_images=n, wnids=WNIDS, gt=gt, blacklist=pairs)
    if ref["map"] is None:
        try:
            scoring.evaluate_detection_bytes(data, truth, class_set=CS)
        except scoring.GroundTruthError:
            return
        raise AssertionError("expected a GroundTruthError without positives")
    result = scoring.evaluate_detection_bytes(data, truth, class_set=CS)
    expected = {WNIDS[c - 1]: float(ap) for c, ap in ref["ap"].items() if ap is not None}
    assert result.average_precision.keys() == expected.keys()
    for wnid, value in expected.items():
        assert abs(result.average_precision[wnid] - value) < 1e-12, (wnid, result.average_precision, expected)
    assert abs(result.mean_average_precision - float(ref["map"])) < 1e-12
    dets = scoring.parse_detections(data, n_images=n, class_set=CS)
    order, tp = scoring.match_detections(dets, truth)
    outcome = [None] * len(dets)
    for row, hit in zip(order.tolist(), tp.tolist()):
        outcome[row] = hit
    assert outcome == ref["outcome"]
    assert result.ignored == ref["outcome"].count(None)


@SETTINGS
@given(cases(), st.lists(st.integers(0, 3), min_size=4, max_size=4))
def test_weighted_ap_agrees_with_the_reference(case, weights):
    n, gt, data, pairs = case
    weights = weights[:n]
    truth = truth_of(n, gt, pairs)
    dets = ref_parse(data, n_images=n, wnids=WNIDS)
    ref = ref_average_precisions(dets, gt, set(pairs), 3, weights)
    positives = truth.positives(3)
    if not positives.per_class.sum():
        return
    result = scoring.evaluate_detection_bytes(data, truth, class_set=CS)
    ours = scoring.class_average_precisions(result.trace, positives, np.array([weights]))[0]
    for cid, ap in ref.items():
        assert (np.isnan(ours[cid]) if ap is None else abs(ours[cid] - float(ap)) < 1e-12), (cid, ours, ref)
    ref_mean = ref_map(ref)
    ours_map = scoring.weighted_map(result.trace, positives, np.array([weights]))[0]
    assert np.isnan(ours_map) if ref_mean is None else abs(ours_map - float(ref_mean)) < 1e-12


@SETTINGS
@given(cases(), st.lists(st.integers(0, 3), min_size=4, max_size=4))
def test_weighting_an_image_equals_duplicating_it_when_confidences_differ(case, weights):
    n, gt, data, pairs = case
    weights = weights[:n]
    lines = [ln.split() for ln in data.decode().split("\n") if ln.strip()]
    for k, fields in enumerate(lines):
        fields[2] = str(1 - k / 64)  # distinct confidences: no tie between copies and others
    copies = [i for i in range(n) for _ in range(weights[i])]  # new image j is a copy of copies[j]
    if not copies:
        return
    dup_gt = {j: gt[i] for j, i in enumerate(copies)}
    dup_pairs = {(j, c) for j, i in enumerate(copies) for (b, c) in pairs if b == i}
    dup_lines = [" ".join([str(j + 1)] + f[1:]) for j, i in enumerate(copies) for f in lines if int(f[0]) - 1 == i]
    dup_data = "\n".join(dup_lines).encode()
    dup = ref_evaluate(dup_data, n_images=len(copies), wnids=WNIDS, gt=dup_gt, blacklist=dup_pairs)
    truth = truth_of(n, gt, pairs)
    positives = truth.positives(3)
    if not positives.per_class.sum():
        return
    result = scoring.evaluate_detection_bytes("\n".join(" ".join(f) for f in lines).encode(), truth, class_set=CS)
    ours = scoring.class_average_precisions(result.trace, positives, np.array([weights]))[0]
    for cid, ap in dup["ap"].items():
        assert (np.isnan(ours[cid]) if ap is None else abs(ours[cid] - float(ap)) < 1e-12), (cid, ours, dup["ap"])


TOKENS = ["1", "2", "3", "4", "0", "01", "n00000022", "n00000099", "0.5", "-1", "1e3", "1e999", ".", "-", "+1",
          "1.", "x", "2.5e-3", "123456789", "000000002", "-0", "\t", "é"]


@st.composite
def near_format_files(draw):
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        k = draw(st.sampled_from([7, 7, 7, 7, 6, 8, 0]))
        toks = [draw(st.sampled_from(TOKENS)) for _ in range(k)]
        lines.append(draw(st.sampled_from([" ", "  ", "\t", " \r"])).join(toks))
    bom, end = draw(st.sampled_from(["", "\ufeff"])), draw(st.sampled_from(["", "\n", "\r\n"]))
    return (bom + "\n".join(lines) + end).encode()


@settings(max_examples=500, deadline=None)
@given(near_format_files())
def test_the_fast_parser_accepts_only_what_the_precise_one_does_and_agrees_with_the_reference(data):
    try:
        ours = scoring.parse_detections(data, n_images=3, class_set=CS)
    except scoring.PredictionFileError as exc:
        ours = exc
    try:
        ref = ref_parse(data, n_images=3, wnids=WNIDS)
    except RefInvalid as exc:
        assert isinstance(ours, scoring.PredictionFileError), data
        assert [e.line for e in ours.errors] == exc.bad_lines[: scoring.MAX_REPORTED_ERRORS]
        return
    assert isinstance(ours, scoring.Detections), (data, ours)
    assert ours.image.tolist() == [d[0] for d in ref] and ours.label.tolist() == [d[1] for d in ref]
    assert ours.confidence.tolist() == [d[2] for d in ref] and ours.boxes.tolist() == [list(d[3]) for d in ref]
    body = file_body(data)
    check_text(body)
    fast = fast_parse_detections(body, 3, CS) if body else None
    if fast is not None:
        precise = precise_parse_detections(body, n_images=3, class_set=CS)
        for name, array in zip(("image", "label", "confidence", "boxes"), fast):
            assert np.array_equal(array, getattr(precise, name))


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_detections_or_a_prediction_file_error(data):
    try:
        scoring.parse_detections(data, n_images=2, class_set=CS)
    except scoring.PredictionFileError as exc:
        assert exc.errors and str(exc)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=20))
def test_confidences_read_exactly_as_python_does(values):
    text = "".join(f"1 1 {v!r} 0 0 1 1\n" for v in values).encode()
    assert scoring.parse_detections(text, n_images=1, class_set=CS).confidence.tolist() == values


def test_two_ious_that_are_the_same_double_keep_the_first_box_as_the_devkit_does():
    # The issue's ~13,000 px case: the first detection's IoUs with boxes A and B are different
    # fractions (B's is larger by 6.6e-17) but the same double. eval_detection.m compares doubles
    # (ov > ovmax) and keeps A, the first box; the second detection then finds B: AP 1. Sorting by
    # exact fractions gave B to the first detection, left the second a false positive: AP 0.5.
    a, b = (1949, 934, 13676, 12938), (287, 2083, 14743, 12431)
    first, second = (0, 0, 11999, 10999), (287, 2083, 7750, 12431)

    def iou(det, gt):
        iw = min(det[2], gt[2]) - max(det[0], gt[0]) + 1
        ih = min(det[3], gt[3]) - max(det[1], gt[1]) + 1
        union = (det[2] - det[0] + 1) * (det[3] - det[1] + 1) + (gt[2] - gt[0] + 1) * (gt[3] - gt[1] + 1) - iw * ih
        return Fraction(iw * ih, union)

    assert iou(first, b) > iou(first, a) and float(iou(first, b)) == float(iou(first, a))
    assert iou(second, b) >= Fraction(1, 2) > iou(second, a)
    truth = scoring.DetectionTruth(n_images=1, image=[0, 0], label=[1, 1], boxes=[a, b])
    data = f"1 1 0.9 {' '.join(map(str, first))}\n1 1 0.8 {' '.join(map(str, second))}\n".encode()
    result = scoring.evaluate_detection_bytes(data, truth, class_set=CS)
    assert result.true_positives == 2 and result.mean_average_precision == 1.0
    ref = ref_evaluate(data, n_images=1, wnids=WNIDS, gt={0: [(1, a), (1, b)]})
    assert ref["outcome"] == [True, True] and ref["map"] == 1
