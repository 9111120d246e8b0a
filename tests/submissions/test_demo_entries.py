import pytest
from django.core.management import call_command

from challenge.competition.models import Split
from challenge.datafiles.models import DataFile
from submissions.leaderboards.models import LeaderboardEntry
from submissions.models import Submission

pytestmark = pytest.mark.django_db


def test_it_seeds_the_demo_board_once_with_baselines_ranked_as_their_hit_rates(capsys):
    call_command("load_demo")
    call_command("load_demo_entries")
    call_command("load_demo_entries")
    out = capsys.readouterr().out
    assert "0 added, 4 already there" in out and "Demo detection entries: 0 added, 2 already there" in out
    classification = Submission.objects.select_related("team").filter(split__task__slug="classification")
    scores = {s.team.name: s.current_score.top5_error for s in classification}
    assert len(scores) == 4 and all(s.status == "scored" for s in Submission.objects.all())
    # The label is among the guesses with the stated probability (plus random luck).
    assert scores["Demo: near-oracle"] == pytest.approx(0.15, abs=0.01)
    assert scores["Demo: strong baseline"] == pytest.approx(0.30, abs=0.01)
    assert scores["Demo: chance"] == pytest.approx(0.995, abs=0.002)


def test_the_demo_detection_task_has_synthetic_boxes_and_a_ranked_board_with_categories_won(capsys):
    call_command("load_demo")
    call_command("load_demo_entries")
    task = Split.objects.get(task__year__slug="demo", task__slug="detection", name="val").task
    assert task.kind == "detection" and task.classes.slug == "ilsvrc-det" and task.classes.n_classes == 200
    val, test = task.splits.get(name="val"), task.splits.get(name="test")
    assert val.labels_public and not test.labels_public and test.visibility == Split.Visibility.HIDDEN
    assert val.current_ground_truth.boxes_key and test.current_ground_truth.boxes_key
    assert val.current_ground_truth.blacklist_key  # the synthetic truth blacklists a few (image, class) pairs
    entries = list(LeaderboardEntry.objects.filter(split=val).select_related("team", "score")
                   .order_by("-score__mean_average_precision"))
    assert [e.team.name for e in entries] == ["Demo: detector", "Demo: half detector"]
    assert 0.3 < entries[0].score.mean_average_precision < 0.7 and len(entries[0].score.average_precision) == 200
    # The validation boxes are hosted, byte for byte the ground truth; the test split's stay hidden.
    hosted = dict(DataFile.objects.filter(year=task.year).values_list("filename", "sha256"))
    assert hosted["det_val_boxes.csv"] == val.current_ground_truth.boxes_sha256
    assert hosted["det_val_images.txt"] == val.current_ground_truth.labels_sha256
    test_truth = test.current_ground_truth
    assert not {test_truth.labels_sha256, test_truth.boxes_sha256, test_truth.blacklist_sha256} & set(hosted.values())


def test_it_needs_the_demo_year_first():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="load_demo"):
        call_command("load_demo_entries")


def test_the_demo_validation_board_shows_real_columns_from_the_start(client):
    call_command("load_demo")
    split = Split.objects.get(task__year__slug="demo", task__slug="classification", name="val")
    assert split.current_ground_truth.revised_labels_key and "Beyer" in split.current_ground_truth.revision_source
    call_command("load_demo_entries")
    scores = {s.team.name: s.current_score.revised_metrics for s in Submission.objects.select_related("team")
              .filter(split=split)}
    assert all(m["real_images"] == 46_837 for m in scores.values())
    # The baselines guess the original label: ReaL keeps it valid on about 90% of the kept images (the
    # original labels' ReaL accuracy is 0.9002), so an 85% hit rate is right on about 0.85 x 0.90 of them.
    assert scores["Demo: near-oracle"]["real_top5_error"] == pytest.approx(1 - 0.85 * 0.9002, abs=0.01)
    board = client.get("/api/years/demo/tasks/classification/leaderboard/?split=val").json()
    assert all("real_top5_error" in e["scores"] and "real_top1_error" in e["scores"] for e in board["entries"])
    page = client.get("/years/demo/tasks/classification/val/leaderboard/").content.decode()
    assert "ReaL top-5 error" in page


def test_an_older_demo_gets_its_real_revision_from_load_demo_entries(capsys):
    from challenge.competition.models import GroundTruth

    call_command("load_demo")
    split = Split.objects.get(task__year__slug="demo", task__slug="classification", name="val")
    GroundTruth.objects.filter(split=split).update(revised_labels_key="", revised_labels_sha256="")
    call_command("load_demo_entries")
    assert "ReaL revision added" in capsys.readouterr().out
    assert split.current_ground_truth.revised_labels_key
    assert all(s.current_score.revised_metrics for s in Submission.objects.filter(split=split))
