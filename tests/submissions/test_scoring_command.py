"""`manage.py evaluate`: the stable command-line interface over the scoring core (no database)."""

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from submissions import scoring
from tests.scoring_reference import DATA, DEMO_PRINTED, make_demo_predictions

ROOT = Path(__file__).resolve().parents[2]
GT = DATA / "ILSVRC2012_validation_ground_truth.txt"


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("evaluate", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    labels = [int(x) for x in GT.read_text().split()]
    path = tmp_path_factory.mktemp("demo") / "demo.val.pred.txt"
    path.write_bytes(make_demo_predictions(labels))
    return path


def test_it_prints_the_devkit_demo_numbers_for_1_to_5_guesses(demo_file):
    printed = []
    for k in range(1, 6):
        out, _ = run("--task", "classification", "--ground-truth", str(GT), "--predictions", str(demo_file),
                     "--guesses", str(k))
        line = next(ln for ln in out.splitlines() if ln.startswith(f"top-{k} error"))
        printed.append(line.split()[-1])
        assert "images" in out and "50,000" in out
    assert tuple(printed) == DEMO_PRINTED  # 0.9990 0.9980 0.9972 0.9962 0.9950


def test_it_prints_one_json_object(demo_file):
    out, _ = run("--task", "classification", "--ground-truth", str(GT), "--predictions", str(demo_file), "--json")
    data = json.loads(out)
    assert data["images"] == 50_000
    assert data["top5_error"] == 0.995 and data["top1_error"] == 0.99898
    assert "localization_error" not in data and "hierarchical_error" not in data


def test_it_prints_hierarchical_errors(tmp_path):
    (tmp_path / "gt.txt").write_text("1\n2\n1000\n")
    (tmp_path / "p.txt").write_text("2 1000\n3\n1 1000\n")
    out, _ = run("--task", "hierarchical", "--ground-truth", str(tmp_path / "gt.txt"),
                 "--predictions", str(tmp_path / "p.txt"), "--json")
    data = json.loads(out)
    assert data["hierarchical_error"] == pytest.approx(11 / 3)
    assert data["hierarchical_error_normalized"] == pytest.approx(11 / 3 / 19)


def test_it_scores_localization_with_boxes_and_a_blacklist(tmp_path):
    (tmp_path / "gt.txt").write_text("1\n1\n1\n")
    (tmp_path / "boxes.csv").write_text(
        "ImageId,PredictionString\n"
        + "".join(f"ILSVRC2012_val_{i:08d},n02119789 0 0 9 9\n" for i in (1, 2, 3))
    )
    (tmp_path / "bl.txt").write_text("3\n")
    (tmp_path / "p.txt").write_text("1 0 0 9 4\n1 0 0 9 3\n2 0 0 9 9\n")
    args = ["--task", "localization", "--ground-truth", str(tmp_path / "gt.txt"), "--predictions",
            str(tmp_path / "p.txt"), "--boxes", str(tmp_path / "boxes.csv"), "--blacklist", str(tmp_path / "bl.txt")]
    data = json.loads(run(*args, "--json")[0])
    assert data["localization_error"] == 0.5  # image 1 right (IoU 0.5), 2 wrong, 3 blacklisted
    assert data["top5_error"] == pytest.approx(1 / 3)
    out, _ = run(*args)
    assert any(ln.startswith("localization error") and ln.split()[-1] == "0.5000" for ln in out.splitlines())


def test_it_exits_with_status_2_and_line_numbers_for_a_bad_file(tmp_path):
    (tmp_path / "gt.txt").write_text("1\n2\n")
    (tmp_path / "p.txt").write_text("1\n0\n")
    with pytest.raises(CommandError) as info:
        run("--task", "classification", "--ground-truth", str(tmp_path / "gt.txt"),
            "--predictions", str(tmp_path / "p.txt"))
    assert info.value.returncode == 2
    assert "line 2: label 0 is outside 1..1000" in str(info.value)


def test_it_refuses_an_oversized_prediction_file_before_reading_it(tmp_path, monkeypatch):
    (tmp_path / "gt.txt").write_text("1\n2\n")
    limit = scoring.max_upload_bytes("classification", 2)
    (tmp_path / "p.txt").write_bytes(b"1\n" * (limit // 2 + 1))

    def no_read(self):
        raise AssertionError("an oversized file was read")

    monkeypatch.setattr(Path, "read_bytes", no_read)
    monkeypatch.setattr(scoring, "load_ground_truth", lambda *a, **k: scoring.GroundTruth(labels=[1, 2]))
    with pytest.raises(CommandError) as info:
        run("--task", "classification", "--ground-truth", str(tmp_path / "gt.txt"),
            "--predictions", str(tmp_path / "p.txt"))
    assert info.value.returncode == 2
    assert f"at most {limit:,} are accepted for 2 images" in str(info.value)


def test_it_exits_with_status_2_for_bad_ground_truth_or_arguments(tmp_path):
    (tmp_path / "gt.txt").write_text("1\nfox\n")
    (tmp_path / "p.txt").write_text("1\n2\n")
    base = ["--ground-truth", str(tmp_path / "gt.txt"), "--predictions", str(tmp_path / "p.txt")]
    with pytest.raises(CommandError) as info:
        run("--task", "classification", *base)
    assert info.value.returncode == 2 and "line 2" in str(info.value)
    (tmp_path / "gt.txt").write_text("1\n2\n")
    for extra in (["--task", "localization"], ["--task", "classification", "--guesses", "6"]):
        with pytest.raises(CommandError) as info:
            run(*extra, *base)
        assert info.value.returncode == 2
    with pytest.raises(CommandError) as info:
        run("--task", "classification", "--ground-truth", str(tmp_path / "missing.txt"),
            "--predictions", str(tmp_path / "p.txt"))
    assert info.value.returncode == 2


def test_it_exits_with_status_2_from_the_real_command_line(tmp_path):
    (tmp_path / "gt.txt").write_text("1\n2\n")
    (tmp_path / "p.txt").write_text("1 2 3 4 5 6\n2\n")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "test-only"}
    proc = subprocess.run(
        [sys.executable, "manage.py", "evaluate", "--task", "classification", "--ground-truth",
         str(tmp_path / "gt.txt"), "--predictions", str(tmp_path / "p.txt")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert "line 1: 6 guesses; at most 5 allowed" in proc.stderr
    assert proc.stdout == ""


# ---------------------------------------------------------------- --real-labels (issue 25)
def test_real_labels_add_the_real_accuracies_by_hand(tmp_path):
    """Four images with ground truth 1 1 3 4; their valid labels (ids) {1, 2}, none (left out),
    {3} and {4}, written in the real.json layout (0-based indices in sorted-WNID order). Guesses:
    2 9 / 1 / 4 3 / 7 8 9 10 4. Kept: images 1, 3, 4. Top-1 right only on image 1 (2 is valid);
    top-5 right on all three (3 as second guess, 4 as fifth)."""
    cs = scoring.ClassSet.ilsvrc2012()
    index = {i: int(cs.id_to_sorted_index[i]) for i in (1, 2, 3, 4)}
    real = tmp_path / "real.json"
    real.write_text(json.dumps([[index[1], index[2]], [], [index[3]], [index[4]]]))
    truth = tmp_path / "gt.txt"
    truth.write_text("1\n1\n3\n4\n")
    predictions = tmp_path / "p.txt"
    predictions.write_text("2 9\n1\n4 3\n7 8 9 10 4\n")
    common = ["--task", "classification", "--ground-truth", str(truth), "--predictions", str(predictions), "--json"]
    plain, _ = run(*common)
    with_real, _ = run(*common, "--real-labels", str(real))
    data = json.loads(with_real)
    assert data["real_top1_accuracy"] == pytest.approx(1 / 3)
    assert (data["real_top5_accuracy"], data["real_images"]) == (1.0, 3)
    assert {k: v for k, v in data.items() if not k.startswith("real_")} == json.loads(plain)
    table, _ = run(*common[:-1], "--real-labels", str(real))
    assert re.search(r"^ReaL top-1 accuracy +0\.3333$", table, re.M) and re.search(r"^ReaL images +3$", table, re.M)
    lines = tmp_path / "real.txt"  # the same sets as class ids, one line per image
    lines.write_text("1 2\n\n3\n4\n")
    assert json.loads(run(*common, "--real-labels", str(lines))[0])["real_top1_accuracy"] == pytest.approx(1 / 3)


def test_real_labels_refused_with_their_line_or_for_another_task(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("[[0], [5000]]")
    truth, predictions = tmp_path / "gt.txt", tmp_path / "p.txt"
    truth.write_text("1\n2\n")
    predictions.write_text("1\n2\n")
    with pytest.raises(CommandError) as caught:
        run("--task", "classification", "--ground-truth", str(truth), "--predictions", str(predictions),
            "--real-labels", str(real))
    assert "image 2: label 5000 is outside 0..999" in str(caught.value) and caught.value.returncode == 2
    with pytest.raises(CommandError, match="classification only"):
        run("--task", "hierarchical", "--ground-truth", str(truth), "--predictions", str(predictions),
            "--real-labels", str(real))
