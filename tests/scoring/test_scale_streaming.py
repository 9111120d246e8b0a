"""Prediction files read as a stream (check_prediction_stream, parse_prediction_stream): the same
verdict, errors and arrays as the whole-file parser, whatever the pieces and windows; gzip read in
pieces; the same scores (no database)."""

import gzip
import io
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from submissions import scoring
from submissions.scoring.formats.guesses import precise_parse
from submissions.scoring.formats.text import prepare_body
from tests.scoring.test_scoring_properties import classification_files, localization_files

CS = scoring.ClassSet.ilsvrc2012()
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Tokens that make lines good, bad, or odd for the text checks and the file's ends.
TOKENS = [b"1", b"17", b"1000", b"n01440764", b"0", b"1001", b"1,2", b"x", b"\x00", b"\xff", b"\xe2\x82",
          "\u20ac".encode(), b"", b" ", b"\t", b"\r", b"1 2 3 4 5 6", b"\xef\xbb\xbf"]


def whole(task: str, data: bytes, n_images: int):
    """The spec: the precise parser on the whole file (the stream reads it with the vectorized reader)."""
    try:
        scoring.check_upload_size(len(data), task, n_images)
        labels, coords = precise_parse(prepare_body(data), boxes=task == "localization", n_images=n_images,
                                       class_set=CS)
        parsed = scoring.Predictions("localization" if coords is not None else "classification", labels, coords)
        return "ok", parsed.n_images, arrays(parsed)
    except scoring.PredictionFileError as exc:
        return "refused", exc.errors, exc.omitted


def streamed(task: str, pieces: list[bytes], n_images: int, window: int):
    try:
        lines = scoring.check_prediction_stream(task, iter(pieces), n_images=n_images, class_set=CS,
                                                window_bytes=window)
    except scoring.PredictionFileError as exc:
        with pytest.raises(scoring.PredictionFileError) as again:
            scoring.parse_prediction_stream(task, iter(pieces), n_images=n_images, class_set=CS, window_bytes=window)
        assert (again.value.errors, again.value.omitted) == (exc.errors, exc.omitted)
        return "refused", exc.errors, exc.omitted
    parsed = scoring.parse_prediction_stream(task, iter(pieces), n_images=n_images, class_set=CS, window_bytes=window)
    return "ok", lines, arrays(parsed)


def arrays(parsed: scoring.Predictions) -> tuple:
    boxes = None if parsed.boxes is None else (parsed.boxes.dtype.str, parsed.boxes.tobytes())
    return parsed.format, parsed.labels.shape, parsed.labels.dtype.str, parsed.labels.tobytes(), boxes


def cut(data: bytes, points: list[int]) -> list[bytes]:
    bounds = [0, *sorted(p % (len(data) + 1) for p in points), len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]


@st.composite
def odd_files(draw):
    """Raw bytes from a pool of good, bad and odd tokens: NULs, non-UTF-8, BOMs, blank lines."""
    lines = draw(st.lists(st.lists(st.sampled_from(TOKENS), max_size=6).map(b" ".join), max_size=40))
    text = draw(st.sampled_from([b"\n", b"\r\n"])).join(lines) + draw(st.sampled_from([b"", b"\n", b"\n\n \t", b" "]))
    head = draw(st.sampled_from([b"", b"", b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]))
    return head + text, len(lines)


def assert_same(task, data, n_images, points, window):
    expected = whole(task, data, n_images)
    assert streamed(task, cut(data, points), n_images, window) == expected, (data, points, window)


@SETTINGS
@given(odd_files(), st.lists(st.integers(0, 10_000), max_size=6), st.integers(1, 64), st.integers(-1, 1))
def test_odd_files_get_the_verdict_and_errors_of_the_whole_file_parser(case, points, window, off_by):
    data, n_lines = case
    assert_same("classification", data, max(1, n_lines + off_by), points, window)


@SETTINGS
@given(classification_files(), st.lists(st.integers(0, 10_000), max_size=4), st.integers(1, 200))
def test_classification_files_get_the_verdict_and_errors_of_the_whole_file_parser(case, points, window):
    data, truth = case
    assert_same("classification", data, len(truth), points, window)


@SETTINGS
@given(localization_files(), st.lists(st.integers(0, 10_000), max_size=4), st.integers(1, 200))
def test_localization_files_get_the_verdict_and_errors_of_the_whole_file_parser(case, points, window):
    data, truth, _, _ = case
    assert_same("localization", data, len(truth), points, window)


def test_more_bad_lines_than_are_listed_are_counted_across_windows():
    data = b"1\n0\nx\n" * 30
    expected = whole("classification", data, 90)
    assert expected[0] == "refused" and expected[2] > 0
    for window in (1, 5, 13, 1 << 20):
        assert streamed("classification", cut(data, [7, 50]), 90, window) == expected


def test_a_nul_byte_anywhere_outranks_an_earlier_byte_that_is_not_utf8():
    data = b"1\n\xff\n" + b"2\n" * 50 + b"3\x00\n4\n"
    verdict = streamed("classification", [data], 54, 8)
    assert verdict == whole("classification", data, 54)
    assert "NUL byte" in verdict[1][0].message and verdict[1][0].line == 53


def test_a_large_file_is_read_in_windows_not_whole():
    rng = np.random.default_rng(0)
    rows = rng.integers(1, 1001, (400_000, 5))
    data = ("\n".join(" ".join(map(str, row)) for row in rows.tolist()) + "\n").encode()
    packed = io.BytesIO(gzip.compress(data, 1))
    tracemalloc.start()
    pieces = scoring.iter_decompressed(packed, limit=len(data), error_cls=scoring.PredictionFileError)
    lines = scoring.check_prediction_stream("classification", pieces, n_images=400_000, class_set=CS,
                                            window_bytes=1 << 18)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert lines == 400_000 and len(data) > 7_000_000
    # A window, the vectorized parser's working arrays (about 3 MB for its 256 KiB chunks) and
    # a gzip piece; the whole file would be len(data), and its parse twice that again.
    assert peak < len(data) / 2, peak


def test_a_gzip_bomb_stops_the_stream_with_the_decompression_error():
    bomb = io.BytesIO(gzip.compress(b"1 2 3 4 5\n" * 1_000_000, 9))
    limit = scoring.max_decompressed_bytes("classification", 1000)
    with pytest.raises(scoring.PredictionFileError) as info:
        scoring.check_prediction_stream("classification",
                                        scoring.iter_decompressed(bomb, limit=limit), n_images=1000, class_set=CS)
    [error] = info.value.errors
    assert error.line is None and f"decompresses to more than {limit:,} bytes" in error.message


def test_an_empty_or_blank_stream_is_the_empty_file_error():
    for pieces in ([], [b""], [b"\n", b" \t\r\n"], [b"\xef\xbb", b"\xbf\n"]):
        assert streamed("classification", pieces, 1, 4) == whole("classification", b"".join(pieces), 1)


def test_a_streamed_file_scores_exactly_like_the_whole_file():
    rng = np.random.default_rng(8)
    truth = rng.integers(1, 1001, 30_000)
    rows = rng.integers(1, 1001, (30_000, 5))
    rows[::3, 1] = truth[::3]
    data = ("\n".join(" ".join(map(str, row)) for row in rows.tolist()) + "\n").encode()
    gt = scoring.GroundTruth(labels=truth)
    for task in ("classification", "hierarchical"):
        expected = scoring.evaluate_bytes(task, data, gt, class_set=CS)
        got = scoring.evaluate_stream(task, cut(data, [5, 70_000, 300_001]), gt, class_set=CS)
        assert got.metrics == expected.metrics and got.to_bits() == expected.to_bits()


def test_a_detection_stream_is_checked_and_scored_whole_and_counts_its_last_line_without_a_newline():
    wnids = ["n00000001", "n00000002"]
    class_set = scoring.detection_class_set(wnids)
    syn = scoring.synthetic_detection(30, wnids, 7)
    truth = scoring.read_detection_truth(syn.image_list, syn.boxes_csv, class_set=class_set, blacklist=syn.blacklist)
    pieces = [syn.predictions[i:i + 50] for i in range(0, len(syn.predictions), 50)]
    lines = syn.predictions.count(b"\n")
    assert scoring.check_prediction_stream("detection", iter(pieces), n_images=30, class_set=class_set) == lines
    unterminated = syn.predictions.rstrip(b"\n")
    assert scoring.check_prediction_stream("detection", [unterminated], n_images=30, class_set=class_set) == lines
    streamed = scoring.evaluate_stream("detection", iter(pieces), truth, class_set=class_set)
    whole = scoring.evaluate_detection_bytes(syn.predictions, truth, class_set=class_set)
    assert streamed.mean_average_precision == whole.mean_average_precision
    with pytest.raises(scoring.PredictionFileError) as refused:
        scoring.check_prediction_stream("detection", [b"1 1 0.5 0 0 9 9\n", b"2 1 0.5 0 0 9\n"], n_images=30,
                                        class_set=class_set)
    assert refused.value.errors[0].line == 2
