"""Replacing ground truth rescores every entry of the split in the background; old and new scores are kept."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse

from submissions.leaderboards.models import LeaderboardEntry
from submissions.management.commands.score_pending import Command
from submissions.models import RescoringItem, RescoringJob, Score
from submissions.services import create_submission, score_submission
from tests.base import PASSWORD, VAL_LABELS, labels_file, make_world, predictions_file

# Everyone predicts labels 1..10 as their single guess: right on every image of the first truth.
PERFECT = predictions_file([[label] for label in VAL_LABELS])
HALF = predictions_file([[label] if i < 5 else [1000] for i, label in enumerate(VAL_LABELS)])
NEW_VAL_LABELS = [1, 2, 3, 4, 5, 1, 1, 1, 1, 1]


def submit(world, user, team, data, name):
    submission = create_submission(team=team, split=world.val, user=user, data=data, entry_name=name)
    return score_submission(submission_id=submission.pk)


def replace(client, world, labels):
    client.login(username="olivia", password=PASSWORD)
    url = reverse("organize:ground-truth", args=[world.year.slug, world.task.slug, "val"])
    return client.post(url, {"labels": SimpleUploadedFile("val.txt", labels_file(labels))})


@pytest.fixture
def entries(world):
    return [submit(world, world.alice, world.alpha, PERFECT, "perfect"),
            submit(world, world.bob, world.alpha, HALF, "half"),
            submit(world, world.charlie, world.charlies_team, PERFECT, "charlie")]


@pytest.mark.django_db
def test_it_rescores_every_entry_and_keeps_the_old_scores(client, world, entries):
    old_truth = world.val.current_ground_truth
    assert [e.current_score.top1_error for e in entries] == [0.0, 0.5, 0.0]
    assert replace(client, world, NEW_VAL_LABELS).status_code == 302
    new_truth = world.val.current_ground_truth
    job = RescoringJob.objects.get()
    assert (job.total, job.done, job.status, job.ground_truth) == (3, 0, "queued", new_truth)
    # Nothing is rescored inside the request: scores still come from the old truth.
    assert all(e.current_score.ground_truth == old_truth for e in entries)

    command = Command()
    assert command.rescore_one() is True
    job.refresh_from_db()
    assert (job.done, job.status) == (1, "running")
    page = client.get(reverse("organize:rescoring", args=[world.year.slug]))
    assert b"1 of 3 rescored" in page.content
    while command.rescore_one():
        pass
    job.refresh_from_db()
    assert (job.done, job.failed, job.status, job.finished_at is not None) == (3, 0, "done", True)

    perfect, half, charlie = entries
    # Against 1,2,3,4,5,1,1,1,1,1: the "perfect" file is right on images 1-5 only.
    assert perfect.current_score.top1_error == pytest.approx(0.5)
    assert half.current_score.top1_error == pytest.approx(0.5)
    assert perfect.current_score.ground_truth == new_truth
    old = Score.objects.get(submission=perfect, is_current=False)
    assert (old.ground_truth, old.top1_error) == (old_truth, 0.0)
    assert Score.objects.filter(submission__in=entries).count() == 6
    # The materialized board follows the new scores once the job is done.
    assert LeaderboardEntry.objects.get(submission=perfect).score == perfect.current_score
    assert b"Done" in client.get(reverse("organize:rescoring", args=[world.year.slug])).content


@pytest.mark.django_db
def test_it_skips_work_superseded_by_a_newer_replacement(client, world, entries):
    replace(client, world, NEW_VAL_LABELS)
    replace(client, world, VAL_LABELS)
    command = Command()
    while command.rescore_one():
        pass
    latest = world.val.current_ground_truth
    assert all(e.current_score.ground_truth == latest for e in entries)
    assert [e.current_score.top1_error for e in entries] == [0.0, 0.5, 0.0]
    assert RescoringJob.objects.filter(status="done").count() == 2


@pytest.mark.django_db
def test_it_has_nothing_to_do_without_queued_items(world):
    assert Command().rescore_one() is False


@pytest.mark.django_db(transaction=True)
def test_it_lets_two_workers_claim_different_entries():
    world = make_world()
    entries = [submit(world, world.alice, world.alpha, PERFECT, "a"),
               submit(world, world.charlie, world.charlies_team, HALF, "c")]
    from submissions.ground_truth_uploads import upload_ground_truth

    upload_ground_truth(user=world.olivia, split=world.val, labels=labels_file(NEW_VAL_LABELS))
    first = RescoringItem.objects.order_by("id").first()
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                RescoringItem.objects.select_for_update().get(pk=first.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(10)
        assert Command().rescore_one() is True  # skips the locked row instead of waiting for it
        assert RescoringItem.objects.get(pk=first.pk).status == "pending"
        assert RescoringItem.objects.exclude(pk=first.pk).get().status == "done"
    finally:
        release.set()
        thread.join()
    assert Command().rescore_one() is True and Command().rescore_one() is False
    assert {e.current_score.top1_error for e in entries} == {0.5}


@pytest.mark.django_db
def test_it_counts_an_entry_it_cannot_rescore_and_keeps_its_score(client, world, entries, private_storage, caplog):
    (private_storage / entries[0].file_key).unlink()
    replace(client, world, NEW_VAL_LABELS)
    command = Command()
    while command.rescore_one():
        pass
    job = RescoringJob.objects.get()
    assert (job.done, job.failed, job.status) == (2, 1, "done")
    assert entries[0].current_score.top1_error == 0.0  # the old score stays current
    assert entries[1].current_score.ground_truth == world.val.current_ground_truth
    assert "1 failed" in client.get(reverse("organize:rescoring", args=[world.year.slug])).content.decode()
    assert "FileNotFoundError" in caplog.text and entries[0].file_key not in caplog.text


def rescore(client, world, split, reason):
    client.login(username="olivia", password=PASSWORD)
    return client.post(reverse("organize:rescore-split", args=[world.year.slug]),
                       {"split": split.pk, "reason": reason})


@pytest.mark.django_db
def test_an_organizer_rescores_a_split_with_a_reason_for_the_audit_log(client, world, entries):
    from challenge.audit.models import AuditEntry

    truth = world.val.current_ground_truth
    assert rescore(client, world, world.val, "Scorer 1.4 counts duplicate labels once").status_code == 302
    job = RescoringJob.objects.get()
    assert (job.total, job.ground_truth, job.reason) == (3, truth, "Scorer 1.4 counts duplicate labels once")
    audit = AuditEntry.objects.get(action="rescoring.start")
    assert audit.actor == world.olivia and audit.details["reason"] == "Scorer 1.4 counts duplicate labels once"
    page = client.get(reverse("organize:rescoring", args=[world.year.slug])).content.decode()
    assert "Scorer 1.4 counts duplicate labels once" in page and "0 of 3 rescored" in page

    status = client.get(reverse("organize:rescoring-status", args=[world.year.slug])).json()
    assert status["jobs"] == [{"id": job.pk, "status": "queued", "status_display": "Queued", "done": 0,
                               "failed": 0, "total": 3, "percent": 0, "finished_at": None}]
    command = Command()
    while command.rescore_one():
        pass
    status = client.get(reverse("organize:rescoring-status", args=[world.year.slug])).json()
    assert (status["jobs"][0]["status"], status["jobs"][0]["done"], status["jobs"][0]["percent"]) == ("done", 3, 100)
    assert all(e.current_score.ground_truth == truth for e in entries)
    assert Score.objects.filter(submission__in=entries).count() == 6  # the earlier scores are kept


@pytest.mark.django_db
def test_a_rescoring_needs_a_reason_and_waits_for_the_one_running(client, world, entries):
    response = rescore(client, world, world.val, "")
    assert response.status_code == 400 and not RescoringJob.objects.exists()
    rescore(client, world, world.val, "first")
    again = rescore(client, world, world.val, "second")
    assert again.status_code == 400 and b"still running" in again.content
    assert RescoringJob.objects.count() == 1


@pytest.mark.django_db
def test_a_split_without_scored_entries_has_nothing_to_rescore(client, world):
    response = rescore(client, world, world.test, "nothing there")
    assert response.status_code == 400 and b"no scored entries" in response.content
    assert not RescoringJob.objects.exists()
