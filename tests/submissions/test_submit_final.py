"""Final entries: up to K per split, before the deadline; by default the team's best entry."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from submissions import selectors, services
from tests.base import PASSWORD, TEST_LABELS, VAL_LABELS, predictions_file

pytestmark = pytest.mark.django_db


def _scored(world, split, rows, entry, user=None):
    submission = services.create_submission(team=world.alpha, split=split, user=user or world.alice,
                                            data=predictions_file(rows), entry_name=entry)
    return services.score_submission(submission_id=submission.pk)


def _wrong(labels, count):
    return [[999] if i < count else [label] for i, label in enumerate(labels)]


def test_by_default_the_best_on_validation_is_final(world):
    worst = _scored(world, world.val, _wrong(VAL_LABELS, 5), "worst")
    best = _scored(world, world.val, _wrong(VAL_LABELS, 0), "best")
    _scored(world, world.val, _wrong(VAL_LABELS, 2), "middle")
    assert selectors.final_entries(team=world.alpha, split=world.val) == [best]
    assert worst not in selectors.final_entries(team=world.alpha, split=world.val)


def test_test_entries_default_to_the_best_on_the_final_rankings_images(world):
    # The board's rule (ranking.select): a team that marks none is ranked by its best entry on the
    # images of the final ranking, whatever its validation entries of the same name scored.
    _scored(world, world.val, _wrong(VAL_LABELS, 1), "method-a")
    _scored(world, world.val, _wrong(VAL_LABELS, 5), "method-b")
    a = _scored(world, world.test, _wrong(TEST_LABELS, 3), "method-a")
    b = _scored(world, world.test, _wrong(TEST_LABELS, 1), "method-b", user=world.bob)
    assert selectors.final_entries(team=world.alpha, split=world.test) == [b]
    assert a.pk != b.pk


def test_a_team_marks_its_finals_in_the_browser(client, world):
    entries = [_scored(world, world.val, _wrong(VAL_LABELS, n), f"e{n}") for n in range(3)]
    client.login(username="bob", password=PASSWORD)
    url = reverse("submissions:mark-final", args=[world.year.slug, world.val.pk])
    response = client.post(url, {"submissions": [entries[2].pk]})
    assert response.status_code == 302
    assert selectors.final_entries(team=world.alpha, split=world.val) == [entries[2]]
    page = client.get(reverse("submissions:list", args=[world.year.slug])).content.decode()
    assert f'value="{entries[2].pk}" id="final-{entries[2].pk}" checked' in page


def test_at_most_k_and_only_the_teams_own(world):
    mine = [_scored(world, world.val, [[label] for label in VAL_LABELS], f"e{n}") for n in range(3)]
    with pytest.raises(services.FinalEntriesRefused, match="at most 2"):
        services.mark_final_entries(team=world.alpha, split=world.val, submission_ids=[m.pk for m in mine])
    theirs = services.score_submission(submission_id=services.create_submission(
        team=world.charlies_team, split=world.val, user=world.charlie, entry_name="c",
        data=predictions_file([[label] for label in VAL_LABELS])).pk)
    with pytest.raises(services.FinalEntriesRefused, match="Only your team"):
        services.mark_final_entries(team=world.alpha, split=world.val, submission_ids=[theirs.pk])


def test_finals_cannot_change_after_the_deadline(world):
    entry = _scored(world, world.val, [[label] for label in VAL_LABELS], "e")
    world.year.deadline = timezone.now() - timedelta(seconds=1)
    world.year.save()
    with pytest.raises(services.FinalEntriesRefused, match="before the deadline"):
        services.mark_final_entries(team=world.alpha, split=world.val, submission_ids=[entry.pk])
