"""Prediction-file parsing and validation, one hand-worked case per rule (no database)."""

import time

import numpy as np
import pytest

from submissions import scoring
from submissions.scoring.formats.guesses import precise_parse
from submissions.scoring.formats.guesses_fast import fast_parse
from submissions.scoring.formats.text import prepare_body

CS = scoring.ClassSet.ilsvrc2012()


def cls(data: bytes, n: int, **kw) -> scoring.Predictions:
    return scoring.parse_classification(data, n_images=n, class_set=CS, **kw)


def loc(data: bytes, n: int) -> scoring.Predictions:
    return scoring.parse_localization(data, n_images=n, class_set=CS)


def errors_of(func, *args, **kw) -> scoring.PredictionFileError:
    with pytest.raises(scoring.PredictionFileError) as info:
        func(*args, **kw)
    return info.value


# --- accepted files -------------------------------------------------------------------


def test_it_parses_one_line_per_image_most_confident_first():
    p = cls(b"490 361 171 822 297\n1 2 3 4 5\n", 2)
    assert p.labels.dtype == np.int16
    assert p.labels.tolist() == [[490, 361, 171, 822, 297], [1, 2, 3, 4, 5]]
    assert p.boxes is None and p.n_images == 2


def test_it_accepts_fewer_than_five_guesses_padding_with_zero():
    p = cls(b"7\n8 9\n1 2 3 4\n", 3)
    assert p.labels.tolist() == [[7, 0, 0, 0, 0], [8, 9, 0, 0, 0], [1, 2, 3, 4, 0]]
    assert p.guess_counts().tolist() == [1, 2, 4]


def test_it_accepts_duplicate_guesses():
    assert cls(b"5 5 5 5 5\n", 1).labels.tolist() == [[5, 5, 5, 5, 5]]


def test_it_accepts_wnids_in_place_of_ids_and_mixed():
    # id 1 = n02119789 (kit fox), id 1000 = n03255030 (dumbbell)
    p = cls(b"n02119789 2 n03255030\nn03255030\n", 2)
    assert p.labels.tolist() == [[1, 2, 1000, 0, 0], [1000, 0, 0, 0, 0]]


def test_it_tolerates_crlf_trailing_spaces_final_newline_and_bom():
    p = cls(b"\xef\xbb\xbf1 2 3 \r\n4  5\t\r\n\r\n\n", 2)
    assert p.labels.tolist() == [[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]]


def test_it_accepts_leading_whitespace_tabs_and_leading_zeros():
    p = cls(b"  0007\t8\n\t9", 2)
    assert p.labels.tolist() == [[7, 8, 0, 0, 0], [9, 0, 0, 0, 0]]


def test_it_parses_localization_groups():
    p = loc(b"1 0 0 10 10 2 5 5 6 6\nn03255030 1 2 3 4\n", 2)
    assert p.labels.tolist() == [[1, 2, 0, 0, 0], [1000, 0, 0, 0, 0]]
    assert p.boxes is not None and p.boxes.dtype == np.int32
    assert p.boxes[0, :2].tolist() == [[0, 0, 10, 10], [5, 5, 6, 6]]
    assert p.boxes[1, 0].tolist() == [1, 2, 3, 4]


def test_it_accepts_a_box_of_one_pixel():
    assert loc(b"3 4 4 4 4", 1).boxes[0, 0].tolist() == [4, 4, 4, 4]


def test_it_gives_the_same_arrays_on_the_fast_and_the_precise_path():
    rng = np.random.default_rng(1)
    lines = []
    for _ in range(300):
        k = int(rng.integers(1, 6))
        toks = [str(int(v)) if rng.random() < 0.8 else CS.wnids[int(v) - 1] for v in rng.integers(1, 1001, k)]
        lines.append(" ".join(toks))
    body = prepare_body("\r\n".join(lines).encode())
    fast = fast_parse(body, boxes=False, n_images=300, class_set=CS, max_guesses=5)
    assert fast is not None
    slow = precise_parse(body, boxes=False, n_images=300, class_set=CS)
    assert np.array_equal(fast[0], slow[0])


@pytest.mark.parametrize("ragged", [False, True])
@pytest.mark.parametrize("boxes", [False, True])
def test_the_fast_path_accepts_plain_files_and_agrees_with_the_precise_one(boxes, ragged):
    # both layouts of fast_parse: every line full (reshaped grid) and ragged lines (scattered)
    rng = np.random.default_rng(2)
    lines = []
    for i in range(400):
        k = int(rng.integers(1, 6)) if ragged else 5
        groups = []
        for v in rng.integers(1, 1001, k):
            label = CS.wnids[int(v) - 1] if i % 3 == 0 else str(int(v))
            if boxes:
                x1, y1, w, h = (int(c) for c in rng.integers(0, 500, 4))
                label += f" {x1} {y1} {x1 + w} {y1 + h}"
            groups.append(label)
        lines.append(" ".join(groups))
    body = prepare_body("\n".join(lines).encode())
    fast = fast_parse(body, boxes=boxes, n_images=400, class_set=CS, max_guesses=5)
    assert fast is not None
    labels, coords = precise_parse(body, boxes=boxes, n_images=400, class_set=CS)
    assert np.array_equal(fast[0], labels) and int(np.count_nonzero(labels[:, 0])) == 400
    if boxes:
        assert np.array_equal(fast[1], coords)
    else:
        assert fast[1] is None and coords is None


# --- errors: each names the line, the token and what was expected ------------------------


def test_it_reports_the_wrong_number_of_lines_with_expected_and_found():
    e = errors_of(cls, b"1\n2\n3\n", 2)
    assert e.errors[0].line is None
    assert "expected 2 lines" in e.errors[0].message and "found 3" in e.errors[0].message


def test_it_reports_a_token_that_is_not_an_integer():
    e = errors_of(cls, b"1 2\n3 x7 4\n", 2)
    assert [(x.line, x.message) for x in e.errors] == [
        (2, "'x7' is not a class id (an integer 1..1000) or a WNID")
    ]
    assert str(e) == "line 2: 'x7' is not a class id (an integer 1..1000) or a WNID"


def test_it_reports_a_decimal_number_as_not_an_integer():
    e = errors_of(cls, b"1.0\n", 1)
    assert e.errors[0].line == 1 and "'1.0'" in e.errors[0].message


def test_it_reports_labels_outside_1_to_1000():
    e = errors_of(cls, b"1001\n-1\n", 2)
    assert [(x.line, x.message) for x in e.errors] == [
        (1, "label '1001' is outside 1..1000"),
        (2, "label '-1' is outside 1..1000"),
    ]


def test_it_explains_a_zero_as_0_based_sorted_wnid_indices():
    e = errors_of(cls, b"3 0\n", 1)
    text = str(e)
    assert "line 1: label 0 is outside 1..1000" in text
    assert "0-based" in text and "sorted-WNID order" in text and "torchvision" in text


def test_it_reports_more_than_five_guesses():
    e = errors_of(cls, b"1 2 3 4 5 6\n", 1)
    assert (e.errors[0].line, e.errors[0].message) == (1, "6 guesses; at most 5 allowed")


def test_it_reports_an_empty_line():
    e = errors_of(cls, b"1\n \n2\n", 3)
    assert (e.errors[0].line, e.errors[0].message) == (2, "empty line: expected 1 to 5 class ids")


def test_it_reports_an_empty_file():
    for data in (b"", b"\n\n", b"   \r\n", b"\xef\xbb\xbf"):
        e = errors_of(cls, data, 1)
        assert "empty" in str(e)


def test_it_reports_text_that_is_not_utf8():
    e = errors_of(cls, b"1\n2 \xff\xfe 3\n", 2)
    assert e.errors[0].line == 2 and "not UTF-8" in e.errors[0].message and "0xff" in e.errors[0].message


def test_it_reports_utf16_and_nul_bytes():
    assert "UTF-16" in str(errors_of(cls, "1\n2\n".encode("utf-16"), 2))
    assert "NUL" in str(errors_of(cls, "1\n2\n".encode("utf-16-le"), 2))


def test_it_reports_non_ascii_digits_as_bad_tokens():
    e = errors_of(cls, "１\n".encode(), 1)  # full-width digit one
    assert e.errors[0].line == 1 and "not a class id" in e.errors[0].message


def test_it_reports_unknown_and_internal_wnids():
    e = errors_of(cls, b"n99999999\nn00001740\n", 2)
    assert e.errors[0].message == "unknown WNID n99999999: not one of the 1000 classes"
    assert "internal synset" in e.errors[1].message and "entity" in e.errors[1].message


def test_it_reports_only_the_first_ten_errors_and_counts_the_rest():
    e = errors_of(cls, b"x\n" * 25, 25)
    assert len(e.errors) == 10 and e.omitted == 15
    assert [x.line for x in e.errors] == list(range(1, 11))
    assert str(e).endswith("... and 15 more errors not shown")


def test_it_reports_an_incomplete_localization_group():
    e = errors_of(loc, b"1 0 0 10\n", 1)
    assert e.errors[0].line == 1 and "incomplete guess: 4 values" in e.errors[0].message


def test_it_reports_more_than_five_localization_guesses():
    e = errors_of(loc, b"1 0 0 1 1 " * 6, 1)
    assert e.errors[0].message == "6 guesses; at most 5 allowed"


def test_it_reports_negative_and_non_numeric_coordinates():
    e = errors_of(loc, b"1 -1 0 5 5\n1 0 0 5.5 nan\n1 0 0 n02119789 5\n1 0 0 1e999 5\n", 4)
    assert [x.line for x in e.errors] == [1, 2, 3, 4]
    assert "coordinate '-1' is negative" in e.errors[0].message
    assert "coordinate 'nan' is not a number" in e.errors[1].message
    assert "coordinate 'n02119789' is not a number" in e.errors[2].message
    assert "coordinate '1e999' is too large" in e.errors[3].message


def test_it_takes_fractional_coordinates_as_strtod_reads_them():
    # The devkit reads coordinates with %f: a detector's 119.976089, and any sign, fraction or exponent.
    p = scoring.parse_localization(b"1 119.976089 .5 +120 2.5e2 2 -0 0 5. 5\n", n_images=1, class_set=CS)
    assert p.boxes.dtype == np.float64
    assert p.boxes[0, :2].tolist() == [[119.976089, 0.5, 120.0, 250.0], [0.0, 0.0, 5.0, 5.0]]
    assert scoring.parse_localization(b"1 0 0 5 5\n", n_images=1, class_set=CS).boxes.dtype == np.int32


def test_it_reports_boxes_with_xmin_above_xmax_or_ymin_above_ymax():
    e = errors_of(loc, b"1 0 0 5 5 2 6 0 5 5\n1 0 9 5 5\n", 2)
    assert e.errors[0].line == 1 and "guess 2" in e.errors[0].message and "xmin 6 > xmax 5" in e.errors[0].message
    assert e.errors[1].line == 2 and "ymin 9 > ymax 5" in e.errors[1].message


def test_it_reports_a_bad_label_in_a_localization_group():
    e = errors_of(loc, b"1001 0 0 5 5\n", 1)
    assert e.errors[0].message == "guess 1: label '1001' is outside 1..1000"


# --- size, long lines, huge inputs ---------------------------------------------------------


def test_it_refuses_a_very_long_line_quickly():
    n = 50_000
    data = b"1 " * 1_000_000 + b"\n" + b"2\n" * (n - 1)  # a million tokens on line 1
    assert len(data) < scoring.max_upload_bytes("classification", n)
    t0 = time.perf_counter()
    e = errors_of(cls, data, n)
    assert time.perf_counter() - t0 < 2.0
    assert [(x.line, "bytes long" in x.message) for x in e.errors] == [(1, True)]


def test_it_refuses_a_huge_single_line_ground_truth_quickly():
    t0 = time.perf_counter()
    with pytest.raises(scoring.GroundTruthError) as info:
        scoring.read_labels(b"7 " * 5_000_000, class_set=CS)
    assert time.perf_counter() - t0 < 3.0
    assert info.value.errors[0].line == 1


def test_it_refuses_a_long_line_of_spaces():
    e = errors_of(cls, b"1" + b" " * 5000 + b"2\n", 1)
    assert "bytes long" in e.errors[0].message


def test_it_refuses_files_above_max_upload_bytes_before_parsing():
    limit = scoring.max_upload_bytes("classification", 10)
    e = errors_of(cls, b"1\n" * (limit // 2 + 1), 10)
    assert "bytes; at most" in str(e)


def test_it_sizes_max_upload_bytes_generously():
    n = 1000
    widest_cls = (" ".join(["n02119789"] * 5) + "   \r\n").encode() * n
    assert len(widest_cls) < scoring.max_upload_bytes("classification", n)
    cls(widest_cls, n)
    widest_loc = (" ".join(["n02119789 99999999 99999999 99999999 99999999"] * 5) + " \r\n").encode() * n
    assert len(widest_loc) < scoring.max_upload_bytes("localization", n)
    loc(widest_loc, n)
    assert scoring.max_upload_bytes("hierarchical", n) == scoring.max_upload_bytes("classification", n)
    widest_fractions = (" ".join(["n02119789 1234567.12345678 0.12345678901234 12345678.1234567 9.87654321098765e2"]
                                 * 5) + " \r\n").encode() * n
    assert len(widest_fractions) < scoring.max_upload_bytes("localization", n)
    loc(widest_fractions, n)
    # A detection file has no line count: it may hold 100 detections of 128 bytes per image (it was
    # 80 bytes, too few for a detector's %f or repr coordinates).
    assert scoring.max_upload_bytes("detection", n) == 12800 * n + 65536
    with pytest.raises(ValueError):
        scoring.max_upload_bytes("segmentation", n)


def test_it_refuses_a_binary_file():
    data = bytes(range(256)) * 100
    e = errors_of(cls, data, 5)
    assert e.errors[0].line == 1 and "NUL byte" in e.errors[0].message


def test_it_reports_too_many_digits():
    e = errors_of(cls, b"000000001\n", 1)
    assert "more than 8 digits" in e.errors[0].message


def test_it_rejects_max_guesses_below_one():
    with pytest.raises(ValueError):
        cls(b"1\n", 1, max_guesses=0)
