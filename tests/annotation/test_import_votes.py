"""`manage.py import_votes`: the ReaL layout's rater files become a task's questions, annotators
and votes, and the votes read back from the database (PostgreSQL's binary COPY) aggregate to
exactly what the pure reader's arrays give. A small file set in the same layout as the shipped
one; bench/crowd.py imports the real 1.01 million votes."""

from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from challenge.annotation import services
from challenge.annotation.consensus import aggregate
from challenge.annotation.models import Annotator, Question, VerificationTask, Vote
from challenge.annotation.reassessed import read_reassessed_votes
from challenge.annotation.votes import read_votes, votes_digest

pytestmark = pytest.mark.django_db


def write_rater_file(path: Path, answers: np.ndarray, info: list[tuple[int, int]], ids: list[int]) -> None:
    """answers: (raters, questions) of -1 (not asked), 0 no, 1 maybe, 2 yes; info: (image, label)."""
    tensor = np.zeros(answers.shape + (3,))
    r, q = np.nonzero(answers >= 0)
    tensor[r, q, answers[r, q]] = 1.0
    names = np.array([[f"ILSVRC2012_val_{image:08d}.JPEG", str(label)] for image, label in info], dtype="<U28")
    np.savez(path, tensor=tensor, info=names, ids=np.array(ids, dtype=np.int64))


@pytest.fixture
def data_dir(tmp_path):
    rng = np.random.default_rng(7)
    info = [(1 + k // 3, int(rng.integers(0, 1000))) for k in range(12)]
    info = list(dict.fromkeys(info))
    rated = np.full((6, len(info)), -1)
    for q in range(len(info)):
        rated[rng.choice(6, size=5, replace=False), q] = rng.integers(0, 3, size=5)
    write_rater_file(tmp_path / "raters.npz", rated, info, [101, 102, 103, 104, 105, 106])
    gold_info = info[:4]
    write_rater_file(tmp_path / "golden.npz", np.array([[2, 0, 2, 0]] * 3 + [[0, 2, 2, 0]] * 2), gold_info,
                     [901, 902, 903, 904, 905])
    write_rater_file(tmp_path / "raters_golden.npz", rng.integers(0, 3, size=(4, 4)), gold_info, [101, 102, 103, 107])
    return tmp_path


def test_import_votes_loads_questions_annotators_and_votes(world, data_dir, capsys):
    call_command("import_votes", "--year", world.year.slug, "--data-dir", str(data_dir), "--split", "classification/val")
    task = VerificationTask.objects.get()
    pure = read_reassessed_votes(data_dir)
    assert (task.is_open, task.algorithm, task.threshold, task.split) == (False, "dawid-skene-gold", 0.8, world.val)
    assert Question.objects.filter(task=task).count() == pure.votes.n_questions
    assert Question.objects.filter(task=task, is_gold=True).count() == 4
    assert Vote.objects.filter(task=task).count() == pure.votes.n_votes
    assert Annotator.objects.filter(year=world.year, external_id__startswith="ReaL rater").count() == 7
    assert not Question.objects.filter(task=task, image__isnull=False).exists()  # votes only: no images here
    gold = Question.objects.filter(task=task, is_gold=True).order_by("pk")
    assert [q.gold_valid for q in gold] == [True, False, True, False]  # 3 of the 5 experts said yes
    assert "votes by 7 raters" in capsys.readouterr().out
    q, a, k = read_votes(task.pk)
    assert q.size == pure.votes.n_votes and set(np.unique(k).tolist()) <= {0, 1, 2}
    # The database's votes aggregate to the pure arrays' posteriors, question by question.
    ours = services.aggregate_task(user=None, task=task, algorithm="dawid-skene-gold")
    ids, posterior = services.aggregation_arrays(ours)
    expected = aggregate(pure.votes, algorithm="dawid-skene-gold", gold=pure.gold)
    assert np.allclose(posterior, expected)  # questions were created in the pure reader's order
    assert ours.votes_sha256 == votes_digest(q, a, k)


def test_import_votes_refuses_unknown_years_splits_and_files(world, data_dir):
    with pytest.raises(CommandError, match="No year"):
        call_command("import_votes", "--year", "nope", "--data-dir", str(data_dir))
    with pytest.raises(CommandError, match="No split"):
        call_command("import_votes", "--year", world.year.slug, "--data-dir", str(data_dir), "--split", "x/val")
    with pytest.raises(CommandError, match="raters.npz"):
        call_command("import_votes", "--year", world.year.slug, "--data-dir", str(data_dir / "missing"))
