"""What the submission page, its status poll and the API show of a score: every task kind renders,
the Ladder tells a refused entry so, and the scoring engine's hints never carry a figure computed
on images whose scores are not public yet."""

from datetime import timedelta

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from challenge.competition.ground_truth import replace_ground_truth
from challenge.competition.models import ChallengeYear, Split, Task
from submissions import scoring
from submissions.leaderboards.ranking import public_subset_mask
from submissions.services import create_submission, score_submission
from tests.base import PASSWORD, labels_file, predictions_file
from tests.leaderboard_helpers import open_quota, submit

pytestmark = pytest.mark.django_db


def _signed_in(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def _shown_everywhere(client, user, submission) -> dict[str, str]:
    """The submission page, its status poll and the API's answer, as this user sees them."""
    _signed_in(client, user)
    api = APIClient()
    api.force_authenticate(user)
    return {
        "page": client.get(reverse("submissions:detail", args=[submission.pk])).content.decode(),
        "status": client.get(reverse("submissions:status", args=[submission.pk])).content.decode(),
        "api": api.get(f"/api/submissions/{submission.pk}/").content.decode(),
    }


# ---- every task kind has a submission page -------------------------------------------------

def _scored_entry(world, kind, labels, rows, boxes=None):
    task = Task.objects.create(year=world.year, slug=kind, title=kind.title(), kind=kind)
    split = Split.objects.create(task=task, name=Split.Name.VAL, n_images=len(labels), labels_public=True)
    replace_ground_truth(split=split, labels=labels_file(labels), boxes=boxes)
    submission = create_submission(team=world.alpha, split=split, user=world.alice, entry_name=f"{kind} entry",
                                   data=predictions_file(rows))
    return score_submission(submission_id=submission.pk)


@pytest.mark.parametrize("kind", [Task.Kind.LOCALIZATION, Task.Kind.HIERARCHICAL])
def test_the_submission_page_of_every_task_kind_shows_its_scores(client, world, kind):
    labels = [1, 2, 3, 4]
    if kind == Task.Kind.LOCALIZATION:
        boxes = b"".join(b"%d,%d 10 10 50 50\n" % (i, label) for i, label in enumerate(labels, 1))
        rows = [[label, 10, 10, 50, 50] for label in labels[:3]] + [[7, 10, 10, 50, 50]]
        submission = _scored_entry(world, kind, labels, rows, boxes=boxes)
        expected = ("Localization error", "25.000%")
    else:
        submission = _scored_entry(world, kind, labels, [[label] for label in labels])
        expected = ("Hierarchical error", "0.00000")
    response = _signed_in(client, world.alice).get(reverse("submissions:detail", args=[submission.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert all(text in page for text in expected), page


# ---- the Ladder says when an entry did not move the shown score ------------------------------

def test_a_refused_ladder_entry_is_reported_as_refused_with_the_previous_best(client, world):
    Split.objects.filter(pk=world.test.pk).update(visibility=Split.Visibility.LADDER)
    open_quota(world.test)
    submit(world.test, world.alpha, world.alice, wrong=6, entry="first")
    refused = submit(world.test, world.alpha, world.alice, wrong=5, entry="not significantly better")
    assert refused.leaderboard_entry.ladder_accepted is False
    shown = _shown_everywhere(client, world.alice, refused)
    assert client.get(reverse("submissions:status", args=[refused.pk])).json()["scores"]["ladder_accepted"] is False
    api = APIClient()
    api.force_authenticate(world.alice)
    scores = api.get(f"/api/submissions/{refused.pk}/").json()["scores"]
    assert scores["ladder_accepted"] is False and scores["top5_error"] == 0.6  # the previous best, shown again
    assert "stays at your previous best" in shown["page"]


# ---- hints never carry a hidden figure -------------------------------------------------------

N_IMAGES, FRACTION, SEED = 20, 0.3, 4242
CLASS_SET = scoring.ClassSet.ilsvrc2012()


def _labels() -> list[int]:
    return [int(v) for v in np.random.default_rng(5).integers(1, 1001, N_IMAGES)]


def _sorted_wnid_rows(labels: list[int], right: np.ndarray) -> list[list[int]]:
    """Each label written as its 1-based position in sorted-WNID order (the torchvision mistake),
    which reads right; where `right` is False, a label that is wrong under both readings."""
    rows = []
    for label, ok in zip(labels, right):
        position = int(CLASS_SET.id_to_sorted_index[label]) + 1
        rows.append([position] if ok else [1000 if label != 1000 and position != 1000 else 999])
    return rows


def _order_hint_world(world, visibility):
    """A test split whose entry is wrong on the public images and (read in sorted-WNID order)
    right on all the others: the engine's hint would say the hidden part's figure."""
    labels = _labels()
    Split.objects.filter(pk=world.test.pk).update(visibility=visibility, n_images=N_IMAGES,
                                                  public_subset_fraction=FRACTION, public_subset_seed=SEED)
    replace_ground_truth(split=Split.objects.get(pk=world.test.pk), labels=labels_file(labels))
    open_quota(world.test)
    public = public_subset_mask(N_IMAGES, seed=SEED, fraction=FRACTION)
    submission = create_submission(team=world.alpha, split=world.test, user=world.alice, entry_name="sorted order",
                                   data=predictions_file(_sorted_wnid_rows(labels, right=~public)))
    submission = score_submission(submission_id=submission.pk)
    hidden_alt = f"{np.count_nonzero(public) / N_IMAGES:.4f}"  # the error the hint computes on all images
    assert submission.current_score.warnings and hidden_alt in str(submission.current_score.warnings)
    return submission, hidden_alt


@pytest.mark.parametrize("visibility", [Split.Visibility.PUBLIC_SUBSET, Split.Visibility.LADDER,
                                        Split.Visibility.HIDDEN])
def test_no_hint_shows_a_figure_computed_on_images_that_are_not_public(client, world, visibility):
    submission, hidden_alt = _order_hint_world(world, visibility)
    for where, body in _shown_everywhere(client, world.alice, submission).items():
        assert hidden_alt not in body and "1.0000," not in body, where
    page = _shown_everywhere(client, world.alice, submission)["page"]
    # Issue 23 item 14 changed this: the advice is computed on the public images alone (where this
    # entry is wrong under both readings: no advice), and a Ladder shows none before the results.
    assert "sorted-WNID order" not in page


def test_hints_keep_their_figures_where_the_scores_are_public(client, world):
    submission, hidden_alt = _order_hint_world(world, Split.Visibility.PUBLIC_SUBSET)
    assert hidden_alt in _shown_everywhere(client, world.olivia, submission)["page"]  # organizers see all
    ChallengeYear.objects.filter(pk=world.year.pk).update(deadline=timezone.now() - timedelta(hours=2),
                                                          results_at=timezone.now() - timedelta(minutes=1))
    assert hidden_alt in _shown_everywhere(client, world.alice, submission)["page"]  # the results are out
