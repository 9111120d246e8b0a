"""The vectorized box-CSV reader against the old line-by-line reader (kept below as the reference)."""

import re

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from submissions import scoring
from submissions.scoring.errors import ErrorList, GroundTruthError, LineError, first_few
from submissions.scoring.formats.box_rows import box_coordinates
from submissions.scoring.formats.box_rows_fast import fast_read_boxes
from submissions.scoring.formats.text import prepare_body
from submissions.scoring.formats.tokens import class_id_of
from submissions.scoring.truth import Boxes

CS = scoring.ClassSet.ilsvrc2012()
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- the reader as it was before the vectorized path (commit 51fcf44), verbatim in substance ---

IMAGE_ID = re.compile(r"(?:.*_)?0*([0-9]{1,9})(?:\.[A-Za-z]+)?")


class OldBoxCollector:
    def __init__(self, class_set, n_images):
        self.class_set = class_set
        self.n_images = n_images
        self.image, self.label, self.coords = [], [], []
        self.seen = set()
        self.problems = ErrorList()
        self.error = self.problems.add

    def image_index(self, image_id):
        m = IMAGE_ID.fullmatch(image_id.strip())
        if not m:
            return None
        index = int(m.group(1))
        if not 1 <= index <= self.n_images:
            return None
        if index in self.seen:
            return -1
        self.seen.add(index)
        return index - 1

    def add(self, image, label_tok, coord_toks):
        label = class_id_of(label_tok, self.class_set)
        if isinstance(label, str):
            return label
        values = box_coordinates(coord_toks)
        if isinstance(values, str):
            return values
        xmin, ymin, xmax, ymax = values
        if xmin > xmax or ymin > ymax:
            return f"empty box {xmin} {ymin} {xmax} {ymax}: expected xmin <= xmax and ymin <= ymax"
        self.image.append(image)
        self.label.append(label)
        self.coords.append((xmin, ymin, xmax, ymax))
        return None

    def finish(self):
        missing = [i for i in range(1, self.n_images + 1) if i not in self.seen]
        if missing:
            self.problems.errors.insert(
                0,
                LineError(
                    None, f"no boxes for {len(missing):,} of {self.n_images:,} images (images {first_few(missing)})"
                ),
            )
        if self.problems.errors:
            raise GroundTruthError(self.problems.errors, self.problems.omitted)
        order = np.argsort(np.asarray(self.image, dtype=np.int32), kind="stable")
        return Boxes(
            image=np.asarray(self.image, dtype=np.int32)[order],
            label=np.asarray(self.label, dtype=np.int16)[order],
            coords=np.asarray(self.coords, dtype=np.int32).reshape(-1, 4)[order],
            n_images=self.n_images,
        )


def old_read_boxes_csv(data, *, class_set, n_images):
    body = prepare_body(data, GroundTruthError)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line = body.count(b"\n", 0, exc.start) + 1
        raise GroundTruthError([LineError(bad_line, "not UTF-8 text")]) from None
    out = OldBoxCollector(class_set, n_images)
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if number == 1 and line.lower().startswith("imageid"):
            continue
        if not line:
            out.error(number, "empty line: expected 'ImageId,PredictionString'")
            continue
        if "," not in line:
            out.error(number, f"no comma: expected 'ImageId,PredictionString', got {line[:40]!r}")
            continue
        image_id, boxes = line.split(",", 1)
        index = out.image_index(image_id.strip().strip('"'))
        if index is None:
            out.error(number, f"ImageId {image_id[:40]!r} is not an image 1..{n_images:,}")
            continue
        if index < 0:
            out.error(number, f"ImageId {image_id[:40]!r} is listed twice")
            continue
        toks = [t.encode("utf-8") for t in boxes.strip().strip('"').split()]
        if not toks or len(toks) % 5:
            out.error(number, f"{len(toks)} values: expected groups of 5 'label xmin ymin xmax ymax'")
            continue
        for g in range(0, len(toks), 5):
            problem = out.add(index, toks[g], toks[g + 1 : g + 5])
            if problem:
                out.error(number, f"box {g // 5 + 1}: {problem}")
                break
    return out.finish()


# --- helpers -----------------------------------------------------------------------------------


def outcome(reader, data, n):
    try:
        b = reader(data, class_set=CS, n_images=n)
    except GroundTruthError as exc:
        return "error", [(e.line, e.message) for e in exc.errors], exc.omitted
    return "ok", b.image.dtype.str, b.image.tolist(), b.label.dtype.str, b.label.tolist(), b.coords.tolist()


ID_FORMATS = ["ILSVRC2012_val_{:08d}", "{}", "{:05d}", "a_b_{}", "x1_{:03d}", "Val_{}", "n_{}"]


@st.composite
def plain_files(draw):
    """Well-formed box files in the layouts organizers upload: each one the fast path should take."""
    n = draw(st.integers(1, 25))
    fmt = draw(st.sampled_from(ID_FORMATS))
    sep = draw(st.sampled_from([" ", " ", "  ", "\t", " \t"]))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    lines = []
    for i in draw(st.permutations(range(1, n + 1))):
        groups = []
        for _ in range(draw(st.integers(1, 4))):
            cid = draw(st.integers(1, 1000))
            label = draw(st.sampled_from([CS.wnids[cid - 1], str(cid), f"{cid:04d}"]))
            x1, y1 = draw(st.integers(0, 9999)), draw(st.integers(0, 9999))
            x2, y2 = x1 + draw(st.integers(0, 500)), y1 + draw(st.integers(0, 500))
            groups.append(sep.join([label, str(x1), str(y1), str(x2), f"{y2:0{draw(st.integers(1, 6))}d}"]))
        tail = draw(st.sampled_from(["", "", " ", "\t"]))
        lines.append(fmt.format(i) + "," + sep.join(groups) + tail)
    header = draw(st.sampled_from(["", "ImageId,PredictionString", "imageid,boxes", "IMAGEID"]))
    if header:
        lines.insert(0, header)
    final = draw(st.sampled_from(["", "\n", eol, "\n\n"]))
    bom = draw(st.sampled_from(["", "", "\ufeff"]))
    return (bom + eol.join(lines) + final).encode(), n


BAD_TOKENS = ["0", "1001", "-1", "1.5", "n00001740", "n99999999", "000000001", "é", "x", '"3', "1e3", "\x0b"]


def mutate(draw, data: bytes, n: int) -> tuple[bytes, int]:
    text = data.decode("utf-8")
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 3))):
        k = draw(st.integers(0, len(lines) - 1))
        line = lines[k]
        kind = draw(st.sampled_from([
            "drop", "dup", "comma", "two_commas", "empty", "quote", "lead", "token", "pop", "swap",
            "bytes", "ext", "id_range", "id_long", "id_letter", "count", "vt", "header_late",
        ]))
        if kind == "drop" and len(lines) > 1:
            del lines[k]
        elif kind == "dup":
            lines.insert(k, line)
        elif kind == "comma":
            lines[k] = line.replace(",", " ", 1)
        elif kind == "two_commas":
            lines[k] = line + ",1"
        elif kind == "empty":
            lines.insert(k, draw(st.sampled_from(["", " ", "\r"])))
        elif kind == "quote" and "," in line:
            head, rest = line.split(",", 1)
            lines[k] = f'"{head}","{rest.strip()}"'
        elif kind == "lead":
            lines[k] = draw(st.sampled_from([" ", "\t"])) + line
        elif kind in ("token", "pop", "swap") and "," in line:
            head, rest = line.split(",", 1)
            toks = rest.split()
            if not toks:
                continue
            j = draw(st.integers(0, len(toks) - 1))
            if kind == "token":
                toks[j] = draw(st.sampled_from(BAD_TOKENS))
            elif kind == "pop":
                toks.pop(j)
            elif len(toks) >= 5:
                toks[1], toks[3] = toks[3], str(int(toks[1]) + 1) if toks[1].isdigit() else toks[1]
            lines[k] = head + "," + " ".join(toks)
        elif kind == "bytes":
            lines[k] = line + draw(st.sampled_from(["\x00", "\udcff", "\u00a0", "\x0c"]))
        elif kind == "ext" and "," in line:
            head, rest = line.split(",", 1)
            lines[k] = head + draw(st.sampled_from([".JPEG", ".", ".1"])) + "," + rest
        elif kind == "id_range" and "," in line:
            lines[k] = draw(st.sampled_from(["0", str(n + 1), "ILSVRC2012_val_00000000"])) + "," + line.split(",", 1)[1]
        elif kind == "id_long" and "," in line:
            head, rest = line.split(",", 1)
            lines[k] = "val_0000000" + head[-3:].lstrip("_") + "," + rest
        elif kind == "id_letter" and "," in line:
            head, rest = line.split(",", 1)
            lines[k] = head[:-1] + "x" + head[-1:] + "," + rest
        elif kind == "count":
            n = max(1, n + draw(st.sampled_from([-1, 1])))
        elif kind == "vt":
            lines[k] = line.replace(" ", "\x0b", 1)
        elif kind == "header_late":
            lines.insert(k, "ImageId,PredictionString")
    return "\n".join(lines).encode("utf-8", "surrogateescape"), n


@st.composite
def mutated_files(draw):
    data, n = draw(plain_files())
    return mutate(draw, data, n)


# --- tests -------------------------------------------------------------------------------------


@SETTINGS
@given(plain_files())
def test_the_fast_path_takes_plain_files_and_equals_the_old_reader(case):
    data, n = case
    assert fast_read_boxes(prepare_body(data, GroundTruthError), class_set=CS, n_images=n) is not None
    assert outcome(scoring.read_boxes_csv, data, n) == outcome(old_read_boxes_csv, data, n)


@SETTINGS
@given(mutated_files())
def test_on_any_file_it_gives_the_old_readers_boxes_or_its_exact_errors(case):
    data, n = case
    assert outcome(scoring.read_boxes_csv, data, n) == outcome(old_read_boxes_csv, data, n)


def test_a_large_shuffled_file_reads_like_the_old_reader():
    rng = np.random.default_rng(4)
    n = 20_000
    rows = []
    for i in rng.permutation(n).tolist():
        k = int(rng.integers(1, 4))
        labels = rng.integers(1, 1001, k)
        x1, y1 = rng.integers(0, 500, (2, k))
        w, h = rng.integers(0, 300, (2, k))
        groups = [f"{CS.wnids[c - 1]} {a} {b} {a + ww} {b + hh}" for c, a, b, ww, hh in zip(labels, x1, y1, w, h)]
        rows.append(f"ILSVRC2012_val_{i + 1:08d}," + " ".join(groups))
    data = ("ImageId,PredictionString\r\n" + "\r\n".join(rows) + "\r\n").encode()
    assert fast_read_boxes(prepare_body(data), class_set=CS, n_images=n) is not None
    new, old = outcome(scoring.read_boxes_csv, data, n), outcome(old_read_boxes_csv, data, n)
    assert new == old and new[0] == "ok" and len(new[2]) > n


def test_it_keeps_the_line_numbered_errors_of_the_old_reader():
    data = (
        b"ImageId,PredictionString\n"
        b"ILSVRC2012_val_00000001,n02119789 0 0 9 9\n"
        b"ILSVRC2012_val_00000002,n02119789 0 0 9\n"
        b"ILSVRC2012_val_00000001,n02119789 0 0 9 9\n"
        b"ILSVRC2012_val_00000009,n02119789 0 0 9 9\n"
        b"ILSVRC2012_val_00000003,n00001740 0 0 9 9\n"
        b"ILSVRC2012_val_00000004 n02119789 0 0 9 9\n"
        b"ILSVRC2012_val_00000005,n02119789 9 0 1 9\n"
    )
    new = outcome(scoring.read_boxes_csv, data, 6)
    assert new == outcome(old_read_boxes_csv, data, 6)
    assert new[0] == "error" and [line for line, _ in new[1]] == [None, 3, 4, 5, 6, 7, 8]
    assert new[1][0][1] == "no boxes for 2 of 6 images (images 4, 6)"  # image 2 has a bad row, not none


def test_the_fast_path_declines_what_it_does_not_plainly_understand():
    body = prepare_body
    for data in (
        b'1,"n02119789 0 0 9 9"\n',  # quotes: valid, but for the precise reader
        b" 1,n02119789 0 0 9 9\n",  # leading blank
        b"1.JPEG,n02119789 0 0 9 9\n",  # an extension
        b"val_0000000001,n02119789 0 0 9 9\n",  # ten digits
        b"1,n02119789 0 0 9 9,\n",  # a second comma
        b"1,n00001740 0 0 9 9\n",  # an internal synset
        b"1,n02119789 0 0 9\n",  # four values
        b"1,n02119789 0 0 9 9\n1,1 0 0 9 9\n",  # an image twice
        b"x1,1 0 0 9 9\n",  # digits not after '_'
    ):
        assert fast_read_boxes(body(data), class_set=CS, n_images=data.count(b"\n")) is None, data
    assert fast_read_boxes(body(b"1,1 0 0 9 9\n"), class_set=CS, n_images=1) is not None
