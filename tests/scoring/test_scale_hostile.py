"""Hostile files cost bounded work, shown by structure, not by the clock: the line-by-line parser
words at most the lines a refusal lists, however many lines are bad, and the count of refused
lines comes from the vectorized readers; the window reader holds little of any file. (bench/cost.py
measures the CPU.) No database."""

import gzip
import io
import sys
from contextlib import contextmanager

import pytest

from submissions import scoring
from submissions.scoring.formats.detections import parse_detection_line
from submissions.scoring.formats.guesses import COMMA_HINT, parse_line
from submissions.scoring.formats.guesses_fast import JUDGED_BYTES

CS = scoring.ClassSet.ilsvrc2012()
DET_CS = scoring.detection_class_set(list(CS.wnids[:200]))
PRECISE = {parse_line.__code__, parse_detection_line.__code__}


@contextmanager
def precise_calls():
    """Count the calls of the precise line parsers (observed with a profile hook, not replaced)."""
    seen = []

    def hook(frame, event, arg):
        if event == "call" and frame.f_code in PRECISE:
            seen.append(frame.f_code.co_name)

    sys.setprofile(hook)
    try:
        yield seen
    finally:
        sys.setprofile(None)


def refusal(task: str, data: bytes, n_images: int, class_set=CS) -> scoring.PredictionFileError:
    pieces = scoring.iter_decompressed(io.BytesIO(gzip.compress(data, 1)), limit=1 << 30)
    with pytest.raises(scoring.PredictionFileError) as info:
        scoring.check_prediction_stream(task, pieces, n_images=n_images, class_set=class_set, window_bytes=1 << 16)
    return info.value


def bad_lines(error: scoring.PredictionFileError) -> int:
    return sum(1 for e in error.errors if e.line is not None) + error.omitted


@pytest.mark.parametrize("task, good, bad", [
    ("classification", b"1 2 3 4 5", b"1 2 3 4 x"),
    ("localization", b"1 0 0 9 9 2 5.5 5 9.5 9", b"1 0 0 9 9 2 5 5 4 9"),
    ("detection", b"17 3 0.5 10.25 12 90 80.5", b"17 3 0.5 10 12 90 nan"),
])
def test_every_line_bad_is_counted_and_only_the_listed_ones_are_worded_by_the_precise_parser(task, good, bad):
    n = 60_000
    data = b"\n".join([bad] * n) + b"\n"
    with precise_calls() as calls:
        error = refusal(task, data, n, DET_CS if task == "detection" else CS)
    if "at least" in str(error):  # beyond the first JUDGED_BYTES, a refused file's lines may go uncounted
        assert JUDGED_BYTES // (len(bad) + 1) <= bad_lines(error) < n
    else:
        assert bad_lines(error) == n  # counted by the vectorized reader, every one
    assert len(calls) <= scoring.MAX_REPORTED_ERRORS, len(calls)  # the whole-file parser read all 60,000
    last_only = b"\n".join([good] * (n - 1) + [bad]) + b"\n"
    with precise_calls() as calls:
        error = refusal(task, last_only, n, DET_CS if task == "detection" else CS)
    assert [e.line for e in error.errors if e.line is not None] == [n] and error.omitted == 0
    assert len(calls) == 1  # one bad token on the last line: one line worded, not the file or its window


def test_a_refused_file_past_its_judged_bytes_says_at_least_and_keeps_its_comma_note():
    n = 100_000
    data = b"1 2 3 4 x\n" * (n - 1) + b"1,2\n"
    with precise_calls() as calls:
        error = refusal("classification", data, n)
    notes = [e.message for e in error.errors if e.line is None]
    assert any("at least" in note for note in notes) and COMMA_HINT in notes  # the comma is on the last line
    assert [e.line for e in error.errors if e.line is not None] == list(range(1, scoring.MAX_REPORTED_ERRORS + 1))
    assert JUDGED_BYTES // 10 <= bad_lines(error) < n
    assert len(calls) <= scoring.MAX_REPORTED_ERRORS


def test_a_file_of_blank_lines_or_of_one_line_is_refused_without_holding_it():
    n = 1000
    for data, count in ((b"1\n" + b"   \n" * 2_000_000 + b"2\n", 2_000_000), (b"7" * 20_000_000 + b"\n1\n", 1)):
        with precise_calls() as calls:
            error = refusal("classification", data, n)
        # Far more lines than images: the lines beyond twice the images may be counted, not read.
        assert bad_lines(error) == count or ("at least" in str(error) and 0 < bad_lines(error) <= count)
        assert len(calls) <= scoring.MAX_REPORTED_ERRORS
