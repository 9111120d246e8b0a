"""Revisions of a year's labels through the site (issue 25, sections 1 and 2): revised labels
(ReaL sets) and retired classes become ground-truth versions with their commitments and ledger
records, entries are rescored, and boards, exports and the API show the revised figures beside
the original ones; a finished year's official board and archive never change.

The hand-worked case, on the world's 10 validation images (labels 1..10):

    revised labels: 1 11 / (left out) / 3 / 4 5 / 5 / 6 / 7 / 8 / 9 / 10 20
    the entry's guesses: 11 / 2 / 3 / 5 / 500 5 / 6 / 7 / 8 / 9 / 30

Original: right at top-1 on images 2, 3, 6-9 (error 0.4), at top-5 also on 5 (0.3).
ReaL, 9 images kept: top-1 right on 1, 3, 4, 6-9 (error 2/9), top-5 also on 5 (1/9).
Class 5 retired: image 5 (label 5) is left out and image 4's guess 5 is emptied. Original
labels: 9 kept, right on 2, 3, 6-9 at top-1 and top-5 (1/3). ReaL: image 4's set is {4},
image 5's set empties (left out): 8 kept, right on 1, 3, 6-9 (both errors 2/8).
"""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from challenge.audit.models import AuditEntry
from challenge.competition.models import ChallengeYear, ClassRevision, Split
from challenge.competition.models import GroundTruth as GroundTruthModel
from challenge.templatetags.challenge_tags import moment
from submissions.leaderboards.archives import freeze_results
from submissions.leaderboards.models import LeaderboardArchive, LeaderboardBoard
from submissions.leaderboards.selectors import board_rows
from submissions.ledger import verify_chain
from submissions.models import LedgerRecord, RescoringJob
from submissions.services import create_submission
from tests.base import PASSWORD, predictions_file, run_scoring_worker
from tests.leaderboard_helpers import open_quota

pytestmark = pytest.mark.django_db

REVISED = b"1 11\n\n3\n4 5\n5\n6\n7\n8\n9\n10 20\n"
GUESSES = [[11], [2], [3], [5], [500, 5], [6], [7], [8], [9], [30]]


def _entry(world):
    open_quota(world.val)
    submission = create_submission(team=world.alpha, split=world.val, user=world.alice,
                                   data=predictions_file(GUESSES), entry_name="hand-worked")
    run_scoring_worker()
    return submission


def _revise(client, world, data=REVISED):
    client.login(username="olivia", password=PASSWORD)
    url = reverse("organize:revise-labels", args=[world.year.slug, "classification", "val"])
    return client.post(url, {"revised": SimpleUploadedFile("real.txt", data), "source": "hand-worked"})


def _retire(client, world, classes="5", reason="Class 5 is not imageable."):
    client.login(username="olivia", password=PASSWORD)
    return client.post(reverse("organize:class-revisions", args=[world.year.slug]), {"classes": classes, "reason": reason})


def _board(client, world, **params):
    url = reverse("leaderboard_api:leaderboard", args=[world.year.slug, "classification"])
    return client.get(url, {"split": "val", **params}).json()


def test_revised_labels_rescore_the_entries_and_boards_show_real_beside_the_original(client, world):
    _entry(world)
    old = world.val.current_ground_truth
    assert _revise(client, world).status_code == 302
    version = world.val.current_ground_truth
    assert version.pk != old.pk and version.labels_sha256 == old.labels_sha256
    assert version.commitment == f"{old.labels_sha256}+real:{version.revised_labels_sha256}"
    assert RescoringJob.objects.get(ground_truth=version).total == 1
    run_scoring_worker()
    client.logout()
    scores = _board(client, world)["entries"][0]["scores"]
    assert (scores["top1_error"]["value"], scores["top5_error"]["value"]) == (0.4, 0.3)
    assert (scores["real_top1_error"]["value"], scores["real_top5_error"]["value"]) == (0.22222, 0.11111)
    assert scores["real_top5_error"]["ci_low"] <= 0.11111 <= scores["real_top5_error"]["ci_high"]
    page = client.get(reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", "val"])).content.decode()
    assert "ReaL top-5 error" in page and "ReaL top-1 error" in page and "11.111%" in page  # pages show percentages
    export = client.get(reverse("leaderboards:export", args=[world.year.slug, "classification", "val", "csv"]))
    header, row = export.content.decode().splitlines()[:2]
    assert "real_top5_error,real_top5_error_ci_low,real_top5_error_ci_high" in header
    assert "0.11111" in row
    record = LedgerRecord.objects.filter(kind=LedgerRecord.Kind.GROUND_TRUTH_REPLACED).last()
    assert version.revised_labels_sha256 in record.payload
    assert verify_chain() is None
    year = client.get(reverse("api:year", args=[world.year.slug])).json()
    assert year["revisions"]["labels"][0]["sha256"] == version.revised_labels_sha256
    assert year["revisions"]["labels"][0]["source"] == "hand-worked"


def test_an_entry_scored_on_the_revision_shows_both_figures_on_its_page_and_in_the_api(client, world):
    _revise(client, world)
    submission = _entry(world)
    client.login(username="alice", password=PASSWORD)
    body = client.get(reverse("api:submission", args=[submission.pk])).json()
    assert body["scores"]["real_top5_error"] == 0.11111 and body["scores"]["top5_error"] == 0.3
    page = client.get(reverse("submissions:detail", args=[submission.pk])).content.decode()
    assert "ReaL top-5 error" in page and "11.111%" in page


def test_a_finished_years_official_board_and_archive_never_change(client, world):
    _entry(world)
    ChallengeYear.objects.filter(pk=world.year.pk).update(deadline=timezone.now() - timedelta(days=2),
                                                          results_at=timezone.now() - timedelta(days=1))
    freeze_results(split=world.val)
    archive = LeaderboardArchive.objects.get(split=world.val, track="combined")
    final = LeaderboardBoard.objects.get(split=world.val, basis="final", track="combined")
    frozen_rows, frozen_csv = board_rows(final), archive.csv_text
    assert _revise(client, world).status_code == 302
    run_scoring_worker()
    client.logout()
    final.refresh_from_db()
    archive.refresh_from_db()
    assert (board_rows(final), archive.csv_text) == (frozen_rows, frozen_csv)
    official = _board(client, world)
    assert official["basis"] == "final" and "real_top5_error" not in official["entries"][0]["scores"]
    revised = _board(client, world, board="revised")
    assert revised["basis"] == "all" and revised["entries"][0]["scores"]["real_top5_error"]["value"] == 0.11111
    assert revised["entries"][0]["scores"]["top5_error"]["value"] == 0.3
    page = client.get(reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", "val"])).content.decode()
    assert "figures on the revised labels" in page
    refused = _board(client, world, board="nonsense")["errors"][0]["message"]
    assert refused == "board: Unknown board 'nonsense'; use one of official, post-challenge, revised."


def test_retiring_a_class_rescores_every_split_and_boards_show_both(client, world):
    _revise(client, world)
    _entry(world)
    response = _retire(client, world, classes=f"5 {world.year.class_set.synsets.get(ilsvrc_id=5).wnid}")
    assert response.status_code == 302
    revision = ClassRevision.objects.get(year=world.year)
    wnid = world.year.class_set.synsets.get(ilsvrc_id=5).wnid
    assert (revision.retired_wnids, revision.newly_retired, revision.reason) == ([wnid], [wnid], "Class 5 is not imageable.")
    assert world.val.current_ground_truth.class_revision == revision
    assert world.test.current_ground_truth.class_revision == revision  # every split of the year
    assert world.val.current_ground_truth.revised_labels_sha256  # the revised labels carry over
    run_scoring_worker()
    client.logout()
    scores = _board(client, world)["entries"][0]["scores"]
    assert scores["top5_error"]["value"] == 0.3  # the original figures stay
    assert (scores["revised_top1_error"]["value"], scores["revised_top5_error"]["value"]) == (0.33333, 0.33333)
    assert (scores["real_top1_error"]["value"], scores["real_top5_error"]["value"]) == (0.25, 0.25)
    year = client.get(reverse("api:year", args=[world.year.slug])).json()
    assert year["revisions"]["classes"] == [{"retired": [wnid], "retired_in_all": [wnid], "reason": "Class 5 is not imageable.",
                                             "sha256": revision.sha256, "at": year["revisions"]["classes"][0]["at"]}]
    page = client.get(reverse("challenge:year-detail", args=[world.year.slug])).content.decode()
    assert "Revisions of the labels" in page and "Class 5 is not imageable." in page
    board = client.get(reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", "val"])).content.decode()
    assert "Top-5 error, revised classes" in board
    assert AuditEntry.objects.filter(action="classes.retire", year=world.year).exists()
    assert LedgerRecord.objects.filter(kind=LedgerRecord.Kind.CLASSES_RETIRED).count() == 1
    assert verify_chain() is None
    ClassRevision.objects.filter(pk=revision.pk).update(reason="edited behind the log")
    assert "class revision" in str(verify_chain())


def test_bad_revisions_are_refused_with_their_line(client, world):
    response = _revise(client, world, data=b"1\n2\n3\n4\n5\n6\n7\n8\n9\nn99999999\n")
    assert response.status_code == 400
    assert "line 10" in response.content.decode() and "not a class of this set" in response.content.decode()
    assert "expected 10 lines" in _revise(client, world, data=b"1\n2\n").content.decode()
    assert _retire(client, world, reason=" ").status_code == 400
    assert "is not a class of" in _retire(client, world, classes="1001").content.decode()
    _retire(client, world)
    assert "retired already" in _retire(client, world).content.decode()
    assert ClassRevision.objects.count() == 1


def test_only_organizers_revise(client, world):
    client.login(username="alice", password=PASSWORD)
    url = reverse("organize:revise-labels", args=[world.year.slug, "classification", "val"])
    assert client.post(url, {"revised": SimpleUploadedFile("r.txt", REVISED)}).status_code == 403
    assert client.post(reverse("organize:class-revisions", args=[world.year.slug]),
                       {"classes": "5", "reason": "x"}).status_code == 403


def test_after_the_challenge_a_revision_and_a_late_entry_leave_the_official_board_as_frozen(client, world):
    """The three values of `board=` together on a finished year: the official board's API JSON
    (both tracks) and its archive's exports stay byte for byte as frozen while the labels are
    revised and an entry arrives after the challenge; the post-challenge board's rows carry the
    revised figures beside the original ones; the revised view shows the official entries only."""
    _entry(world)
    ChallengeYear.objects.filter(pk=world.year.pk).update(deadline=timezone.now() - timedelta(days=2),
                                                          results_at=timezone.now() - timedelta(minutes=1))
    run_scoring_worker()  # the chores freeze the official results
    anonymous = Client()
    url = reverse("leaderboard_api:leaderboard", args=[world.year.slug, "classification"])

    def frozen() -> dict:
        found = {track: anonymous.get(url, {"split": "val", "track": track}).content for track in ("combined", "outside")}
        for archive in LeaderboardArchive.objects.filter(split=world.val):
            for fmt in ("csv", "json"):
                export = reverse("leaderboards:archive-export", args=[archive.public_id, fmt])
                found[(archive.track, fmt)] = anonymous.get(export).content
        return found

    before = frozen()
    assert len(before) == 8 and b'"frozen":true' in before["combined"]
    assert _revise(client, world).status_code == 302
    split = Split.objects.get(pk=world.val.pk)  # with the year's new dates
    late = create_submission(team=world.charlies_team, split=split, user=world.charlie,
                             data=predictions_file(GUESSES[:-1] + [[31]]), entry_name="late")
    assert late.board == "post-challenge"
    run_scoring_worker()
    assert frozen() == before

    after = _board(anonymous, world, board="post-challenge")
    assert after["board"] == "post-challenge" and after["count"] == 1
    scores = after["entries"][0]["scores"]
    # The late entry differs from the hand-worked one only by another wrong guess on image 10: the
    # same figures, original and ReaL, as worked out above.
    assert (scores["top1_error"]["value"], scores["top5_error"]["value"]) == (0.4, 0.3)
    assert (scores["real_top1_error"]["value"], scores["real_top5_error"]["value"]) == (0.22222, 0.11111)
    revised = _board(anonymous, world, board="revised")
    assert revised["board"] == "revised" and [e["entry"] for e in revised["entries"]] == ["hand-worked"]
    assert revised["entries"][0]["scores"]["real_top5_error"]["value"] == 0.11111
    page = anonymous.get(reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", "val"]),
                         {"board": "post-challenge"}).content.decode()
    assert "ReaL top-5 error" in page and "11.111%" in page
    export = anonymous.get(reverse("leaderboards:export", args=[world.year.slug, "classification", "val", "csv"]),
                           {"board": "revised"})
    assert export["Content-Disposition"].endswith('-val-revised-combined.csv"')
    assert "real_top5_error" in export.content.decode().splitlines()[0]


def test_the_history_page_notes_a_years_revisions_with_their_reasons_and_dates(client, world):
    history = reverse("leaderboards:history")
    assert "revised after publication" not in client.get(history).content.decode()
    _revise(client, world)
    _retire(client, world, reason="Class 5 is not imageable.")
    client.logout()
    labels_at = world.val.current_ground_truth.uploaded_at  # the retirement stored the revised labels again
    page = client.get(history).content.decode()
    line = next(li for li in re.findall(r"<li>.*?</li>", page, re.S) if world.year.title in li)
    notes = line[line.index("revised after publication"):]
    revision = ClassRevision.objects.get(year=world.year)
    # Oldest first: the labels (dated when they were first stored, with their source), then the classes.
    assert notes.index("labels of Classification, validation split revised (hand-worked)") \
        < notes.index("1 class retired (Class 5 is not imageable.)")
    first = GroundTruthModel.objects.filter(split=world.val).exclude(revised_labels_sha256="").earliest("uploaded_at")
    assert first.uploaded_at < labels_at and f"{moment(first.uploaded_at)}, labels of" in notes
    assert f"{moment(revision.created_at)}, 1 class retired" in notes
    assert f'href="{reverse("challenge:year-detail", args=[world.year.slug])}#revisions"' in notes
    year_page = client.get(reverse("challenge:year-detail", args=[world.year.slug])).content.decode()
    assert 'id="revisions"' in year_page and "Class 5 is not imageable." in year_page
    assert f"{moment(first.uploaded_at)}: Classification, validation split" in year_page
