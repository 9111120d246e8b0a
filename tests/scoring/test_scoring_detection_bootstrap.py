"""Object detection (DET) statistics: the stored trace, bootstrap intervals of mAP and the
paired bootstrap test, all over images, on seeded synthetic data.

No database. The scoring itself is in test_scoring_detection.py.
"""

import numpy as np
import pytest

from submissions import scoring

WNIDS = ["n00000001", "n00000002", "n00000003"]
CS = scoring.detection_class_set(WNIDS)


# --- trace, bootstrap, paired test ----------------------------------------------------------------


def synthetic(seed: int = 3, n: int = 300, per_image: float = 6.0):
    syn = scoring.synthetic_detection(n, WNIDS, seed, detections_per_image=per_image)
    return syn, scoring.read_detection_truth(syn.image_list, syn.boxes_csv, class_set=CS, blacklist=syn.blacklist)


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


def shuffled_confidences(predictions: bytes, seed: int) -> bytes:
    """The same boxes with their confidences permuted: a weak entry whose true positives are
    scattered through its ranking."""
    rows = [line.split() for line in predictions.decode().splitlines()]
    confidences = np.random.default_rng(seed).permutation([row[2] for row in rows])
    return "".join(" ".join([*row[:2], c, *row[3:]]) + "\n" for row, c in zip(rows, confidences)).encode()


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_interval_of_a_weak_entry_contains_its_own_map(seed):
    # Resampled images clump their true positives, which lifts interpolated precision: the
    # plain percentile interval of such an entry sat wholly above its mAP.
    wnids = [f"n{k:08d}" for k in range(1, 201)]  # few boxes per class, as on the demo's 1,000 images
    class_set = scoring.detection_class_set(wnids)
    syn = scoring.synthetic_detection(1000, wnids, seed)
    truth = scoring.read_detection_boxes_csv(syn.boxes_csv, images=scoring.read_image_list(syn.image_list),
                                             class_set=class_set)
    weak = scoring.evaluate_detection_bytes(shuffled_confidences(syn.predictions, seed), truth, class_set=class_set)
    low, high = scoring.bootstrap_map_ci(weak.trace, weak.positives, resamples=100, seed=seed)
    assert low <= weak.mean_average_precision <= high
    mask = np.arange(truth.n_images) % 3 == 0
    on_part = scoring.weighted_map(weak.trace, weak.positives, scoring.subset_weights(truth.n_images, mask))[0]
    low, high = scoring.bootstrap_map_ci(weak.trace, weak.positives, resamples=100, seed=seed, subset=mask)
    assert low <= on_part <= high
