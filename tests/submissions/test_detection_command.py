"""`manage.py evaluate --task detection`: the devkit's DET scoring offline, with the shipped 200
DET classes by default, strict line-numbered errors, and the same numbers as the scoring core."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from challenge.competition.devkit import read_class_set_folder
from challenge.competition.services import SHIPPED_DET_CLASSES
from submissions import scoring
from submissions.ground_truth import scoring_class_set_from_rows


def _det_class_set():
    files = read_class_set_folder(SHIPPED_DET_CLASSES)
    return scoring_class_set_from_rows(files.rows, files.edges)


@pytest.fixture
def det_files(tmp_path):
    class_set = _det_class_set()
    synthetic = scoring.synthetic_detection(300, class_set.wnids, seed=4)
    paths = {name: tmp_path / name for name in ("val.txt", "boxes.csv", "blacklist.txt", "dets.txt")}
    paths["val.txt"].write_bytes(synthetic.image_list)
    paths["boxes.csv"].write_bytes(synthetic.boxes_csv)
    paths["blacklist.txt"].write_bytes(synthetic.blacklist)
    paths["dets.txt"].write_bytes(synthetic.predictions)
    return class_set, synthetic, paths


def _evaluate(paths, *extra):
    out = StringIO()
    call_command("evaluate", "--task", "detection", "--ground-truth", str(paths["val.txt"]),
                 "--boxes", str(paths["boxes.csv"]), "--predictions", str(paths["dets.txt"]), *extra, stdout=out)
    return out.getvalue()


def test_the_shipped_det_classes_are_the_200_in_det_id_order():
    class_set = _det_class_set()
    assert class_set.n_classes == 200
    assert class_set.wnids[:3] == ("n02672831", "n02691156", "n02219486")  # accordion, airplane, ant
    assert class_set.wnids[27:29] == ("n02883205", "n02879718")  # bow tie, then bow (see PROVENANCE)


def test_it_prints_the_devkits_figures_as_json(det_files):
    class_set, synthetic, paths = det_files
    printed = json.loads(_evaluate(paths, "--blacklist", str(paths["blacklist.txt"]), "--json"))
    assert set(printed) == {"images", "mean_average_precision", "average_precision", "classes_evaluated"}
    truth = scoring.load_detection_truth(paths["val.txt"], paths["boxes.csv"], class_set=class_set,
                                         blacklist_path=paths["blacklist.txt"])
    expected = scoring.evaluate_detection_bytes(synthetic.predictions, truth, class_set=class_set)
    assert printed["images"] == 300
    assert printed["mean_average_precision"] == expected.mean_average_precision
    assert printed["average_precision"] == expected.average_precision
    assert printed["classes_evaluated"] == expected.classes_evaluated == len(printed["average_precision"])
    assert 0 < printed["mean_average_precision"] < 1


def test_it_refuses_a_bad_detection_file_naming_the_line(det_files):
    _, _, paths = det_files
    paths["dets.txt"].write_bytes(b"1 1 0.5 10 10 20 20\n2 999 0.5 10 10 20 20\n")
    with pytest.raises(CommandError) as refused:
        _evaluate(paths)
    assert "line 2" in str(refused.value) and refused.value.returncode == 2


def test_it_needs_the_boxes(det_files):
    _, _, paths = det_files
    with pytest.raises(CommandError, match="--boxes"):
        call_command("evaluate", "--task", "detection", "--ground-truth", str(paths["val.txt"]),
                     "--predictions", str(paths["dets.txt"]), stdout=StringIO())


def test_devkit_mean_prints_the_mean_demo_eval_det_prints(tmp_path):
    # Classes 1 and 3 have boxes, class 2 none. Our mAP averages the classes with positives:
    # (1 + 0) / 2. The devkit's mean(ap) runs over classes 1..3 and counts class 2 as 0 while no
    # line names it, as NaN once one does.
    wnids = _det_class_set().wnids
    (tmp_path / "val.txt").write_text("img1 1\nimg2 2\n")
    (tmp_path / "boxes.csv").write_text(f"img1,{wnids[0]} 0 0 9 9 {wnids[2]} 20 20 29 29\nimg2,\n")
    dets = tmp_path / "dets.txt"
    dets.write_text("1 1 0.9 0 0 9 9\n1 3 0.8 100 100 109 109\n")
    paths = {"val.txt": tmp_path / "val.txt", "boxes.csv": tmp_path / "boxes.csv", "dets.txt": dets}
    text = _evaluate(paths, "--devkit-mean")
    assert "mean average precision  0.5000" in text and "devkit's mean(ap)       0.3333" in text
    assert "devkit" not in _evaluate(paths)
    data = json.loads(_evaluate(paths, "--devkit-mean", "--json"))
    assert data["mean_average_precision"] == 0.5 and abs(data["devkit_mean_average_precision"] - 1 / 3) < 1e-12
    dets.write_text("1 1 0.9 0 0 9 9\n1 3 0.8 100 100 109 109\n2 2 0.5 0 0 9 9\n")
    assert json.loads(_evaluate(paths, "--devkit-mean", "--json"))["devkit_mean_average_precision"] is None
    assert "devkit's mean(ap)       nan" in _evaluate(paths, "--devkit-mean")
    with pytest.raises(CommandError, match="--devkit-mean is for --task detection"):
        call_command("evaluate", "--task", "classification", "--ground-truth", str(dets), "--predictions", str(dets),
                     "--devkit-mean")
