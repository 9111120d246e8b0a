"""ImageNet's own scale through the site: class sets of any size imported from synsets.tsv,
`evaluate --class-set`, ground truth and scoring above 32,767 classes, and make_scale_year."""

import gzip
import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse

from challenge.competition.devkit import read_class_set_folder
from challenge.competition.models import ChallengeYear, ClassSet, Split, Task
from challenge.competition.services import SHIPPED_ILSVRC2012, import_devkit
from submissions import scoring
from submissions.ground_truth_uploads import upload_ground_truth
from submissions.services import create_submission, score_submission
from tests.base import PASSWORD, labels_file, make_team, make_user, make_year, predictions_file

pytestmark = pytest.mark.django_db


def _write_synthetic(folder, n_classes, **kwargs):
    synthetic = scoring.synthetic_class_set(n_classes, **kwargs)
    scoring.write_class_set_tsv(synthetic, folder)
    return synthetic


def test_import_devkit_takes_a_synsets_tsv_whose_first_column_is_the_id(tmp_path):
    synthetic = _write_synthetic(tmp_path, 21841, seed=3)
    header = (tmp_path / "synsets.tsv").read_text().splitlines()[0].split("\t")
    (tmp_path / "synsets.tsv").write_text("\n".join(["id\t" + "\t".join(header[1:]),
                                                     *(tmp_path / "synsets.tsv").read_text().splitlines()[1:]]) + "\n")
    out = StringIO()
    call_command("import_devkit", str(tmp_path), "--slug", "synthetic21k", stdout=out)
    class_set = ClassSet.objects.get(slug="synthetic21k")
    assert class_set.n_classes == 21841
    assert class_set.synsets.count() == len(synthetic.rows)
    assert "21841 classes" in out.getvalue()
    # A second import of the same files changes nothing (idempotent).
    call_command("import_devkit", str(tmp_path), "--slug", "synthetic21k", stdout=StringIO())
    assert class_set.synsets.count() == len(synthetic.rows)


def test_evaluate_takes_a_class_set_folder_and_scores_like_the_scoring_core(tmp_path):
    synthetic = _write_synthetic(tmp_path / "set", 21841, seed=5)
    core = synthetic.class_set()
    rng = np.random.default_rng(1)
    truth = rng.integers(1, 21842, size=500)
    guesses = rng.integers(1, 21842, size=(500, 5))
    guesses[::3, 2] = truth[::3]
    (tmp_path / "truth.txt").write_bytes(labels_file(truth.tolist()))
    (tmp_path / "preds.txt.gz").write_bytes(gzip.compress(predictions_file(guesses.tolist())))
    out = StringIO()
    call_command("evaluate", "--task", "hierarchical", "--ground-truth", str(tmp_path / "truth.txt"),
                 "--predictions", str(tmp_path / "preds.txt.gz"), "--class-set", str(tmp_path / "set"), "--json",
                 stdout=out)
    printed = json.loads(out.getvalue())
    expected = scoring.evaluate_bytes("hierarchical", predictions_file(guesses.tolist()),
                                      scoring.GroundTruth(labels=truth), class_set=core)
    assert printed["images"] == 500
    assert printed["hierarchical_error"] == expected.metrics["hierarchical_error"]
    assert printed["top5_error"] == pytest.approx(1 - 167 / 500)


def test_evaluate_with_the_devkits_meta_mat_equals_the_shipped_default(tmp_path):
    preds = tmp_path / "preds.txt"
    preds.write_bytes((SHIPPED_ILSVRC2012 / "ILSVRC2012_validation_ground_truth.txt").read_bytes()[:0]
                      + predictions_file([[1, 2, 3]] * 50_000))
    args = ["evaluate", "--task", "hierarchical", "--json", "--predictions", str(preds),
            "--ground-truth", str(SHIPPED_ILSVRC2012 / "ILSVRC2012_validation_ground_truth.txt")]
    default, with_mat = StringIO(), StringIO()
    call_command(*args, stdout=default)
    call_command(*args, "--class-set", str(SHIPPED_ILSVRC2012 / "meta.mat"), stdout=with_mat)
    assert json.loads(default.getvalue()) == json.loads(with_mat.getvalue())
    assert read_class_set_folder(SHIPPED_ILSVRC2012).n_classes == 1000


def test_a_class_set_above_32767_classes_takes_ground_truth_and_scores_a_submission(tmp_path):
    _write_synthetic(tmp_path, 33000, n_internal=60, multi_parent=20, seed=2)
    class_set = import_devkit(path=tmp_path, slug="big", name="Big")
    assert class_set.n_classes == 33000
    year = make_year("big2030", class_set=class_set)
    task = Task.objects.create(year=year, slug="hierarchical", title="Hierarchical", kind=Task.Kind.HIERARCHICAL)
    split = Split.objects.create(task=task, name=Split.Name.VAL, n_images=4, labels_public=True)
    organizer = make_user("olivia", organizer=True)
    upload_ground_truth(user=organizer, split=split, labels=labels_file([33000, 32768, 5, 40]))
    alice = make_user("alice")
    team = make_team(year, "Alpha", alice)
    submission = create_submission(team=team, split=split, user=alice, entry_name="big",
                                   data=predictions_file([[33000], [32768, 1], [5], [41]]))
    scored = score_submission(submission_id=submission.pk)
    assert scored.status == scored.Status.SCORED
    score = scored.current_score
    assert score.top5_error == 0.25 and score.hierarchical_error > 0
    assert scoring.Result.from_bits({"top1_correct": bytes(score.top1_bits), "top5_correct": bytes(score.top5_bits),
                                     "top1_labels": bytes(score.top1_labels),
                                     "hier_cost": bytes(score.hierarchical_costs)},
                                    task="hierarchical", images=4).top1_labels.tolist() == [33000, 32768, 5, 41]


def test_make_scale_year_builds_a_synthetic_year_whose_baseline_scores(tmp_path, client):
    predictions = tmp_path / "baseline.txt.gz"
    call_command("make_scale_year", "--classes", "300", "--images", "2000", "--slug", "scale-test",
                 "--predictions", str(predictions), stdout=StringIO())
    year = ChallengeYear.objects.get(slug="scale-test")
    assert year.class_set.n_classes == 300 and "Synthetic" in year.description
    assert {t.kind for t in year.tasks.all()} == {Task.Kind.CLASSIFICATION, Task.Kind.HIERARCHICAL}
    split = Split.objects.get(task__year=year, task__slug="classification")
    assert split.n_images == 2000 and split.current_ground_truth is not None and not split.labels_public
    alice = make_user("alice")
    team = make_team(year, "Alpha", alice)
    data = gzip.decompress(predictions.read_bytes())
    scored = score_submission(submission_id=create_submission(team=team, split=split, user=alice, data=data,
                                                              entry_name="baseline").pk)
    assert 0.55 < scored.current_score.top1_error < 0.75
    # Running it again leaves one year with the same ground truth.
    before = split.current_ground_truth.pk
    call_command("make_scale_year", "--classes", "300", "--images", "2000", "--slug", "scale-test", stdout=StringIO())
    assert split.current_ground_truth.pk == before
    client.login(username="alice", password=PASSWORD)
    page = client.get(reverse("submissions:submit", args=[year.slug])).content.decode()
    assert "class ids (1–300)" in page
