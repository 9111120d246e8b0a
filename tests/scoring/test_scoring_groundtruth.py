"""Ground-truth readers: labels, boxes (CSV and VOC XML), blacklist (no database)."""

import numpy as np
import pytest

from submissions import scoring
from tests.scoring_reference import DATA

CS = scoring.ClassSet.ilsvrc2012()


def gt_error(func, *args, **kw) -> scoring.GroundTruthError:
    with pytest.raises(scoring.GroundTruthError) as info:
        func(*args, **kw)
    return info.value


# --- labels --------------------------------------------------------------------------------


def test_it_reads_the_shipped_validation_labels():
    labels = scoring.read_labels((DATA / "ILSVRC2012_validation_ground_truth.txt").read_bytes(), class_set=CS)
    assert labels.dtype == np.int16 and len(labels) == 50_000
    assert labels[:5].tolist() == [490, 361, 171, 822, 297]
    assert np.bincount(labels, minlength=1001)[1:].tolist() == [50] * 1000


def test_it_reads_labels_given_as_wnids():
    assert scoring.read_labels(b"n02119789\r\n1000\n", class_set=CS).tolist() == [1, 1000]


def test_it_reports_label_file_errors_with_line_numbers():
    e = gt_error(scoring.read_labels, b"5\n0\n1001\n4 5\n\nabc\n", class_set=CS)
    lines = {(x.line, x.message) for x in e.errors}
    assert (2, "label 0 is outside 1..1000 (ids start at 1; see the note on 0-based indices)") in lines
    assert (3, "label '1001' is outside 1..1000") in lines
    assert (4, "2 labels; expected one class id per line") in lines
    assert (5, "empty line: expected 1 to 1 class ids") in lines
    assert any(x.line == 6 for x in e.errors)
    assert any("0-based" in x.message and x.line is None for x in e.errors)


def test_it_checks_the_label_count_when_asked():
    e = gt_error(scoring.read_labels, b"1\n2\n", class_set=CS, n_images=3)
    assert "expected 3 lines" in str(e) and "found 2" in str(e)


# --- boxes: CSV ------------------------------------------------------------------------------


def test_it_reads_boxes_from_csv_rows():
    data = (
        b"ImageId,PredictionString\r\n"
        b"ILSVRC2012_val_00000002,n02119789 1 2 3 4 n03255030 5 6 7 8 \r\n"
        b"ILSVRC2012_val_00000001,n02119789 0 0 9 9\r\n"
    )
    boxes = scoring.read_boxes_csv(data, class_set=CS, n_images=2)
    assert len(boxes) == 3 and boxes.n_images == 2
    assert boxes.image.tolist() == [0, 1, 1]
    assert boxes.label.tolist() == [1, 1, 1000]
    assert boxes.coords.tolist() == [[0, 0, 9, 9], [1, 2, 3, 4], [5, 6, 7, 8]]


def test_it_reports_csv_box_errors():
    data = (
        b"ImageId,PredictionString\n"
        b"ILSVRC2012_val_00000001,n02119789 0 0 9\n"
        b"ILSVRC2012_val_00000001,n02119789 0 0 9 9\n"
        b"ILSVRC2012_val_00000001,n02119789 0 0 9 9\n"
        b"ILSVRC2012_val_00000009,n02119789 0 0 9 9\n"
        b"ILSVRC2012_val_00000002,n00001740 0 0 9 9\n"
        b"ILSVRC2012_val_00000003 n02119789 0 0 9 9\n"
        b"ILSVRC2012_val_00000003,n02119789 9 0 1 9\n"
    )
    e = gt_error(scoring.read_boxes_csv, data, class_set=CS, n_images=4)
    by_line = {x.line: x.message for x in e.errors}
    assert "4 values" in by_line[2]
    assert "listed twice" in by_line[4]
    assert "not an image 1..4" in by_line[5]
    assert "internal synset" in by_line[6]
    assert "no comma" in by_line[7]
    assert "empty box" in by_line[8]
    assert "no boxes for 1 of 4 images (images 4)" in by_line[None]


# --- boxes: VOC XML directory ------------------------------------------------------------------

VOC = """<annotation><filename>{name}</filename><size><width>500</width><height>375</height></size>
{objects}</annotation>"""
OBJ = "<object><name>{wnid}</name><bndbox><xmin>{a}</xmin><ymin>{b}</ymin><xmax>{c}</xmax><ymax>{d}</ymax></bndbox></object>"


def write_voc(folder, index, objects):
    name = f"ILSVRC2012_val_{index:08d}"
    body = "".join(OBJ.format(wnid=w, a=a, b=b, c=c, d=d) for w, a, b, c, d in objects)
    (folder / f"{name}.xml").write_text(VOC.format(name=name, objects=body))


def test_it_reads_boxes_from_a_voc_xml_directory_with_several_classes(tmp_path):
    write_voc(tmp_path, 1, [("n02119789", 0, 0, 9, 9), ("n03255030", 20, 20, 30, 30)])
    write_voc(tmp_path, 2, [("n03255030", 1, 1, 5, 5)])
    boxes = scoring.read_boxes_xml_dir(tmp_path, class_set=CS, n_images=2)
    assert boxes.image.tolist() == [0, 0, 1]
    assert boxes.label.tolist() == [1, 1000, 1000]
    # the image label comes from the label file; boxes of other classes are kept but not matched
    truth = scoring.GroundTruth(labels=np.array([1000, 1000]), boxes=boxes)
    r = scoring.evaluate_bytes("localization", b"1000 20 20 30 30\n1000 1 1 5 5\n", truth, class_set=CS)
    assert r.metrics["localization_error"] == 0.0


def test_it_reports_voc_xml_errors_by_file_name(tmp_path):
    write_voc(tmp_path, 1, [("n99999999", 0, 0, 9, 9)])
    (tmp_path / "ILSVRC2012_val_00000002.xml").write_text("<annotation><object>")
    write_voc(tmp_path, 7, [("n02119789", 0, 0, 9, 9)])
    e = gt_error(scoring.read_boxes_xml_dir, tmp_path, class_set=CS, n_images=3)
    text = str(e)
    assert "ILSVRC2012_val_00000001.xml: object 1: unknown WNID n99999999" in text
    assert "ILSVRC2012_val_00000002.xml: not readable XML" in text
    assert "ILSVRC2012_val_00000007.xml" in text
    assert "no boxes for" in text


def test_it_requires_a_box_of_the_image_label_unless_blacklisted():
    boxes = scoring.read_boxes_csv(b"1,n02119789 0 0 9 9\n2,n02119789 0 0 9 9\n", class_set=CS, n_images=2)
    with pytest.raises(scoring.GroundTruthError, match="no box of their own class"):
        scoring.GroundTruth(labels=np.array([1, 5]), boxes=boxes)
    scoring.GroundTruth(labels=np.array([1, 5]), boxes=boxes, blacklist=np.array([False, True]))


# --- blacklist ---------------------------------------------------------------------------------


def test_it_reads_a_blacklist_of_1_based_indices():
    mask = scoring.read_blacklist(b"\xef\xbb\xbf3\r\n1\n", n_images=4)
    assert mask.tolist() == [True, False, True, False]
    assert scoring.read_blacklist(b"", n_images=2).tolist() == [False, False]


def test_it_refuses_a_blacklist_that_lists_an_image_twice_naming_the_line():
    # eval_clsloc.m divides by N - length(blacklist): a repeated index would count twice there.
    e = gt_error(scoring.read_blacklist, b"3\n1\n003\n", n_images=4)
    assert [(x.line, x.message) for x in e.errors] == [
        (3, "image index 3 is already listed on line 1; list each image once")]


def test_it_reports_blacklist_errors():
    e = gt_error(scoring.read_blacklist, b"0\n5\nx\n1 2\n\n3\n", n_images=4)
    assert [(x.line, x.message) for x in e.errors] == [
        (1, "image index 0 is outside 1..4"),
        (2, "image index 5 is outside 1..4"),
        (3, "'x' is not an image index (an integer 1..4)"),
        (4, "2 values; expected one image index per line"),
        (5, "empty line: expected one image index"),
    ]
    assert "every image" in str(gt_error(scoring.read_blacklist, b"1\n2\n", n_images=2))


def test_it_loads_ground_truth_from_files(tmp_path):
    (tmp_path / "labels.txt").write_text("1\n1000\n")
    (tmp_path / "boxes.csv").write_text("ImageId,PredictionString\n1,1 0 0 5 5\n2,n03255030 0 0 5 5\n")
    (tmp_path / "blacklist.txt").write_text("2\n")
    truth = scoring.load_ground_truth(
        tmp_path / "labels.txt",
        class_set=CS,
        boxes_path=tmp_path / "boxes.csv",
        blacklist_path=tmp_path / "blacklist.txt",
    )
    assert truth.n_images == 2 and truth.blacklist.tolist() == [False, True] and len(truth.boxes) == 2
