"""Object detection (DET) files: prediction files refused with their line numbers and what was
expected, and the ground-truth readers (image list, boxes CSV, devkit XML folder, blacklist).

No database. The scoring itself is in test_scoring_detection.py.
"""

from pathlib import Path

import numpy as np
import pytest

from submissions import scoring

WNIDS = ["n00000001", "n00000002", "n00000003"]
CS = scoring.detection_class_set(WNIDS)


def image_list(n: int) -> bytes:
    return "".join(f"img{i} {i}\n" for i in range(1, n + 1)).encode()


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
        b"1 1 0.5 0x10 0 9 9\n"
        b"1 1 0.5 0 0 9 inf\n"
        b"1 1 0.5 0 0 1e999 9\n"
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
        (8, "xmin '0x10' is not a decimal number"),
        (9, "ymax 'inf' is not a decimal number"),
        (10, "xmax '1e999' is too large (not a finite number)"),
        (11, "empty line: expected 7 fields 'image_index class_id confidence xmin ymin xmax ymax'"),
    ]
    assert e.omitted == 1 and "... and 1 more error not shown" in str(e)


def test_it_refuses_binary_and_utf16_files():
    assert "UTF-16" in str(errors_of("1 1 0.5 0 0 9 9\n".encode("utf-16")))
    assert errors_of(b"1 1 0.5 0 0 9 9\n1 1 \x00 0 0 9 9\n").errors[0].line == 2
    assert errors_of(b"1 1 0.5 0 0 9 9\n\xff\n").errors[0].line == 2


def test_it_takes_fractional_and_inverted_boxes_as_the_devkit_reads_them():
    # The devkit reads coordinates with %f and checks no box order: 119.976089 and a box whose
    # xmax < xmin are read as they are (such a box overlaps nothing, so it is a false positive).
    data = b"1 1 0.884664 119.976089 104.969680 446.638915 196.629038\n2 2 0.5 9 0 8.5 -1e1\n"
    d = scoring.parse_detections(data, n_images=3, class_set=CS)
    assert d.boxes.dtype == np.float64
    assert d.boxes.tolist() == [[119.976089, 104.96968, 446.638915, 196.629038], [9.0, 0.0, 8.5, -10.0]]


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
    pairs = scoring.read_detection_blacklist(b"2 n00000003\n1 1\n", n_images=2, class_set=CS)
    assert pairs.tolist() == [[0, 1], [1, 3]]
    repeated = gt_error(scoring.read_detection_blacklist, b"2 n00000003\n1 1\n2 3\n", n_images=2, class_set=CS)
    assert [(x.line, x.message) for x in repeated.errors] == [
        (3, "image 2 with class n00000003 is already listed on line 1; list each pair once")]
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


def test_the_devkits_own_example_file_is_accepted_as_eval_detection_reads_it():
    # The first 100 lines of the ILSVRC2014 devkit's demo.val.pred.det.txt (tests/scoring/data/, see its
    # PROVENANCE.md): %f coordinates, some negative, some boxes with ymax < ymin. It was refused
    # ("xmin '119.976089' is not an integer"); the devkit reads it with textread('%d %d %f %f %f %f %f').
    data = (Path(__file__).parent / "data" / "ilsvrc2014_devkit" / "demo.val.pred.det.head.txt").read_bytes()
    det_classes = scoring.detection_class_set(list(scoring.ClassSet.ilsvrc2012().wnids[:200]))
    n_images = 20121  # the DET validation images
    lines = scoring.check_prediction_stream("detection", [data], n_images=n_images, class_set=det_classes)
    detections = scoring.parse_detections(data, n_images=n_images, class_set=det_classes)
    rows = [line.split() for line in data.decode().splitlines()]
    assert lines == len(detections) == 100
    assert detections.image.tolist() == [int(r[0]) - 1 for r in rows]
    assert detections.label.tolist() == [int(r[1]) for r in rows]
    assert detections.confidence.tolist() == [float(r[2]) for r in rows]
    assert detections.boxes.tolist() == [[float(v) for v in r[3:]] for r in rows]
    assert detections.boxes[55].tolist() == [232.583133, 257.357953, 248.141726, 19.694449]  # ymax < ymin
