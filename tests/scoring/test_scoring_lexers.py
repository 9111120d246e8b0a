"""The vectorized readers against their spec, the precise line parsers, on random inputs: the same
verdict on every line, the same hints, the same values; the exact decimal reader against
Python's float(); the window reader against the whole file's lines. No database."""

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from submissions import scoring
from submissions.scoring.formats.detections import parse_detection_line
from submissions.scoring.formats.detections_fast import DetectionState, lex_detections
from submissions.scoring.formats.guesses import parse_line, precise_parse
from submissions.scoring.formats.guesses_fast import LexState, lex_guesses
from submissions.scoring.formats.numbers import DECIMAL_RE, padded, read_decimals
from submissions.scoring.formats.text import TO_SPACES, check_text, prepare_body
from submissions.scoring.formats.windows import BlankLines, LineWindows, LongLine, Window

CS = scoring.ClassSet.ilsvrc2012()
DET_CS = scoring.detection_class_set(["n00000011", "n00000022", "n00000033"])
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

LABELS = ["1", "17", "1000", "0", "00", "000000000", "1001", "01", "n01440764", "n02119789", "n00001740", "n0144076",
          "-3", "+1", "1.5", "x", "é", "1,2", "\x0b", "99999999", "123456789"]
NUMBERS = ["0", "7", "119.976089", ".5", "5.", "-0", "+1", "-1", "1e3", "2.5E-2", "1e999", "1e-999", "nan", "inf",
           "0x10", "1_0", ".", "-", "e5", "1e", "00000000000000000001", "3" * 30 + ".5", "12,5", "n01440764", "x"]
SEPARATORS = [" ", " ", "  ", "\t", " \r", "\x0c"]


@st.composite
def guess_lines(draw, boxes: bool):
    lines = []
    for _ in range(draw(st.integers(1, 30))):
        kind = draw(st.sampled_from(["guesses"] * 6 + ["empty", "blank", "long", "count"]))
        if kind == "empty":
            lines.append("")
        elif kind == "blank":
            lines.append(draw(st.sampled_from([" ", "\t", " \r "])))
        elif kind == "long":
            lines.append(" ".join(["1"] * draw(st.integers(1000, 1100))))
        else:
            groups = draw(st.integers(0 if kind == "count" else 1, 7 if kind == "count" else 5))
            toks = []
            for _ in range(groups):
                toks.append(draw(st.sampled_from(LABELS)))
                if boxes:
                    if draw(st.booleans()):  # numbers, sometimes with xmin > xmax or ymin > ymax
                        x1, x2, y1, y2 = (draw(st.sampled_from(["0", "3", "7.5", "12", "1e1"])) for _ in range(4))
                        toks += [x1, y1, x2, y2]
                    else:
                        toks += [draw(st.sampled_from(NUMBERS)) for _ in range(4)]
            if kind == "count" and toks and draw(st.booleans()):
                toks.pop()
            lines.append(draw(st.sampled_from(SEPARATORS)).join(toks))
    return [line.encode() for line in lines]


def spec_guesses(lines: list[bytes], boxes: bool):
    bad, zero, comma = [], False, False
    for i, line in enumerate(lines):
        row = np.zeros(5, dtype=np.int16)
        coords = np.zeros((5, 4)) if boxes else None
        message, is_zero = parse_line(line, row, coords, CS)
        zero |= is_zero
        if message is not None:
            bad.append(i)
            comma |= b"," in line
    return bad, zero, comma


@SETTINGS
@given(st.booleans(), st.booleans(), st.data())
def test_the_guesses_reader_gives_every_line_the_verdict_of_the_precise_parser(boxes, plain_first, data):
    lines = data.draw(guess_lines(boxes))
    body = b"\n".join(lines)
    lexed = lex_guesses(body, boxes=boxes, class_set=CS, max_guesses=5, state=LexState(plain=plain_first))
    bad, zero, comma = spec_guesses(lines, boxes)
    assert (lexed.bad.tolist(), lexed.zero, lexed.comma) == (bad, zero, comma), body
    if not bad:
        labels, coords = precise_parse(body, boxes=boxes, n_images=None, class_set=CS)
        assert np.array_equal(lexed.labels, labels)
        if boxes:
            assert lexed.coords.dtype == coords.dtype and np.array_equal(lexed.coords, coords)


ODD_FIXED_POINT = ["5.", ".5", "1.2.3", "-1.5", "+1.5", "1.5e1", "12345678.5", "7", "0", "1e3", "00.5", "1..5",
                   "x.5", "1.x", "9999999.99999999"]


@st.composite
def fixed_point_lines(draw):
    """Localization lines whose coordinates are written ``%f``-style (``digits.digits``, as many
    digits after every dot) and, unless ``clean``, one to three odd tokens among them (alone, so
    that they meet the plain path)."""
    clean = draw(st.booleans())
    after = draw(st.integers(1, 8))

    def number() -> str:
        before = draw(st.integers(1, 7))
        whole = str(draw(st.integers(0, 10**before - 1))).zfill(draw(st.sampled_from([1, 1, before])))
        return f"{whole}.{draw(st.integers(0, 10**after - 1)):0{after}d}"

    lines = []
    for _ in range(draw(st.integers(1, 30))):
        toks = []
        for _ in range(draw(st.integers(1, 5))):
            toks.append(draw(st.sampled_from(["1", "17", "1000", "999", "0000007"])))
            x1, x2, y1, y2 = (number() for _ in range(4))
            if draw(st.booleans()):
                x2 = x1
            (x1, x2), (y1, y2) = sorted((x1, x2), key=float), sorted((y1, y2), key=float)
            toks += [x1, y1, x2, y2]
        lines.append(toks)
    count_changed = []
    for _ in range(0 if clean else draw(st.integers(1, 3))):
        toks = draw(st.sampled_from(lines))
        at = draw(st.integers(0, len(toks) - 1))
        odd = number()
        what = draw(st.sampled_from(["coordinate", "label", "swap", "count"]))
        if what == "label":
            toks[at - at % 5] = draw(st.sampled_from(LABELS))
        elif what == "coordinate":  # mostly a near miss of the file's own form
            near = ["1." + odd, odd + ".5", odd.replace(".", ".."), "-" + odd, "x" + odd, odd + "e1",
                    odd.replace(".", ""), odd[odd.index("."):], odd[:-1], odd + "0",
                    "12345678" + odd[odd.index("."):]]
            toks[at - at % 5 + draw(st.integers(1, 4))] = draw(st.sampled_from(
                ODD_FIXED_POINT if draw(st.integers(0, 2)) == 2 else near))
        elif what == "swap":  # xmin > xmax, or ymin > ymax, unless they are equal
            first = at - at % 5 + draw(st.integers(1, 2))
            toks[first], toks[first + 2] = toks[first + 2], toks[first]
        else:  # a token more or less: the line's count is no multiple of 5 (or an empty line)
            count_changed.append(toks)
    for toks in count_changed:
        if toks and draw(st.booleans()):
            toks.pop()
        elif toks:
            toks.append(draw(st.sampled_from(toks)))
    separators = [" ", " ", "\t", " \r"]
    return clean, [draw(st.sampled_from(separators)).join(toks).encode() for toks in lines]


@SETTINGS
@given(fixed_point_lines())
def test_fixed_point_coordinates_get_the_verdict_and_values_of_the_precise_parser(case):
    clean, lines = case
    body = b"\n".join(lines)
    state = LexState()
    lexed = lex_guesses(body, boxes=True, class_set=CS, max_guesses=5, state=state)
    bad, zero, comma = spec_guesses(lines, True)
    assert (lexed.bad.tolist(), lexed.zero, lexed.comma) == (bad, zero, comma), body
    if not bad:
        labels, coords = precise_parse(body, boxes=True, n_images=None, class_set=CS)
        assert np.array_equal(lexed.labels, labels)
        assert lexed.coords.dtype == coords.dtype and np.array_equal(lexed.coords, coords), body
    if clean:  # a file as a detector writes it (printf's %f) is read on the plain path
        assert state.plain, body


@st.composite
def detection_lines(draw):
    lines = []
    tokens = ["1", "2", "3", "4", "0", "01", "000000001", "1000000000", "n00000011", "n00000099", "-1", "x"]
    for _ in range(draw(st.integers(1, 30))):
        count = draw(st.sampled_from([7] * 8 + [0, 6, 8, 1000]))
        if count == 1000:
            lines.append(" ".join(["1"] * 1100))
            continue
        toks = [draw(st.sampled_from(tokens)) for _ in range(min(count, 2))]
        toks += [draw(st.sampled_from(NUMBERS)) for _ in range(count - len(toks))]
        lines.append(draw(st.sampled_from(SEPARATORS)).join(toks))
    return [line.encode() for line in lines]


@SETTINGS
@given(detection_lines())
def test_the_detection_reader_gives_every_line_the_verdict_of_the_precise_parser(lines):
    body = b"\n".join(lines)
    lexed = lex_detections(body, DetectionState(3, DET_CS))
    spec = [parse_detection_line(line, 3, DET_CS) for line in lines]
    assert lexed.bad.tolist() == [i for i, got in enumerate(spec) if isinstance(got, str)], body
    if lexed.values is not None:
        image, label, confidence, boxes = lexed.values
        assert image.tolist() == [got[0] for got in spec] and label.tolist() == [got[1] for got in spec]
        assert confidence.tolist() == [got[2] for got in spec] and boxes.tolist() == [list(got[3]) for got in spec]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(
    st.sampled_from(NUMBERS),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.from_regex(re.compile(r"[-+]?[0-9]{0,25}(\.[0-9]{0,25})?([eE][-+]?[0-9]{1,4})?"), fullmatch=True),
    st.text(alphabet="0123456789.eE+-", min_size=1, max_size=40),
), min_size=1, max_size=60))
def test_decimals_are_read_as_strtod_and_float_read_them(tokens):
    tokens = [t.encode() for t in tokens if t]
    if not tokens:
        return
    body = b" ".join(tokens)
    x = padded(np.frombuffer(body, np.uint8), 0, len(body))
    lens = np.array([len(t) for t in tokens])
    starts = np.cumsum(lens + 1) - lens - 1 + 8
    values, ok = read_decimals(x, starts, starts + lens)
    for token, value, good in zip(tokens, values.tolist(), ok.tolist()):
        expected = DECIMAL_RE.fullmatch(token) is not None and math.isfinite(float(token))
        assert good == expected, token
        if expected:
            assert value == float(token) and math.copysign(1, value) == math.copysign(1, float(token)), token


def windows_of(data: bytes, window: int, piece: int):
    reader = LineWindows(window)
    out = []

    def take(event):
        if isinstance(event, Window):
            assert event.first_line == len(out) + 1
            out.extend(("line", line) for line in event.body.split(b"\n"))
        elif isinstance(event, LongLine):
            assert event.line == len(out) + 1
            out.append(("long", event.length))
        else:
            assert isinstance(event, BlankLines) and event.first_line == len(out) + 1
            out.extend(("blank", event.lengths[k] if k < len(event.lengths) else None) for k in range(event.count))

    for start in range(0, len(data), piece):
        for event in reader.feed(data[start : start + piece]):
            take(event)
    for event in reader.finish():
        take(event)
    return reader, out


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from([b"a", b"1", b" ", b"\n", b"\t", b"\r", b",", b"\xc3\xa9", b"\xff", b"\x00",
                                 b"\xef\xbb\xbf", b" " * 40, b"\n" * 40, b"x" * 3000, b" " * 3000]), max_size=40),
       st.integers(1, 64), st.integers(1, 200))
def test_the_window_reader_gives_the_lines_of_the_whole_file(parts, window, piece):
    data = b"".join(parts)
    reader, out = windows_of(data, window, piece)
    try:
        body = prepare_body(data)
    except scoring.PredictionFileError:
        assert reader.utf16 or reader.empty
        return
    lines = body.split(b"\n")
    assert len(out) == len(lines) == reader.lines
    for (kind, got), line in zip(out, lines):
        if kind == "line":
            assert got.translate(TO_SPACES) == line.translate(TO_SPACES)  # held blanks come back as spaces
        elif kind == "long":
            assert got == len(line) > 2048
        else:
            assert not line.translate(TO_SPACES).strip(b" ") and got in (None, len(line))
    try:
        check_text(body)
        expected = None
    except scoring.PredictionFileError as exc:
        expected = exc.errors[0]
    assert reader.text_error == expected


def test_the_window_reader_holds_little_of_a_file_of_blanks_or_of_one_line():
    for data in (b"1\n" + b" \n" * 3_000_000 + b"2", b"9" * 5_000_000 + b"\n1", b"1" + b" " * 5_000_000):
        reader = LineWindows(1 << 16)
        held = 0
        for start in range(0, len(data), 1 << 20):
            list(reader.feed(data[start : start + (1 << 20)]))
            held = max(held, reader.held_bytes)
        list(reader.finish())
        assert held <= 3 * (1 << 16), held


def test_a_sequence_cut_between_pieces_is_named_at_its_first_byte():
    for pieces in ([b"1000 \xe2\x82", b" 1"], [b"1\n22 \xe2", b"\x82", b"x"], [b"1 \xe2\x82"]):
        reader, _ = windows_of(b"".join(pieces), 4, 1 << 20)
        split = LineWindows(4)
        for piece in pieces:
            list(split.feed(piece))
        list(split.finish())
        assert split.text_error == reader.text_error and split.text_error is not None


def test_a_byte_that_is_not_utf8_is_named_in_a_piece_of_megabytes():
    # The UTF-8 check decodes a piece a megabyte at a time: a sequence cut between two steps
    # is one character, and a bad byte further on is named at its line and column.
    line = "\u00e9t\u00e9 1 2\n".encode()
    for offset in (0, 1, 2):
        data = b"x" * offset + line * 400_000
        data = data[:2_500_001] + b"\xff" + data[2_500_001:]
        reader = LineWindows()
        list(reader.feed(data))
        list(reader.finish())
        with pytest.raises(scoring.PredictionFileError) as refused:
            check_text(prepare_body(data))
        assert reader.text_error == refused.value.errors[0]
