"""One rule for what a viewer sees, and one way to rebuild: the team page and the year API ask
the leaderboards' selectors, stored boards follow every change of what they were built from,
and the admin cannot change what decides a ranking behind the services' back."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from challenge.competition.models import ChallengeYear, Split
from challenge.competition.services import SPLIT_FIELDS, save_task
from submissions.leaderboards.models import LeaderboardEntry
from submissions.leaderboards.ranking import public_subset_mask
from submissions.leaderboards.services import rebuild_leaderboard
from submissions.models import Submission
from tests.base import PASSWORD, make_user
from tests.leaderboard_helpers import open_quota, stored_rows, submit

pytestmark = pytest.mark.django_db

SEED = 7


def _subset_split(world, fraction=0.5):
    Split.objects.filter(pk=world.test.pk).update(visibility=Split.Visibility.PUBLIC_SUBSET,
                                                  public_subset_fraction=fraction, public_subset_seed=SEED)
    open_quota(world.test)
    return world.test


def _private_images(fraction=0.5) -> list[int]:
    return [int(i) for i in (~public_subset_mask(10, seed=SEED, fraction=fraction)).nonzero()[0]]


def test_the_team_page_shows_the_final_boards_score_on_a_public_subset_split_after_the_results(client, world):
    split = _subset_split(world)
    # Wrong on three of the five private images: 0.3 on all images, 0.6 on the final (private) part.
    submit(split, world.alpha, world.alice, wrong=_private_images()[:3], entry="subset-entry")
    ChallengeYear.objects.filter(pk=world.year.pk).update(
        deadline=timezone.now() - timedelta(hours=2), results_at=timezone.now() - timedelta(minutes=1))
    board = client.get(reverse("leaderboard_api:leaderboard", args=[world.year.slug, "classification"]),
                       {"split": "test"}).json()
    assert board["entries"][0]["scores"]["top5_error"]["value"] == 0.6
    page = client.get(reverse("teams:detail", args=[world.alpha.pk])).content.decode()
    assert "subset-entry" in page and "60.000%" in page and "30.000%" not in page


@pytest.mark.parametrize("visibility", list(Split.Visibility.values))
def test_the_year_api_says_scores_are_public_exactly_when_the_public_board_shows_them(client, world, visibility):
    Split.objects.filter(pk=world.test.pk).update(visibility=visibility)
    year = client.get(reverse("api:year", args=[world.year.slug])).json()
    test_split = next(s for s in year["tasks"][0]["splits"] if s["name"] == "test")
    board = client.get(reverse("leaderboard_api:leaderboard", args=[world.year.slug, "classification"]),
                       {"split": "test"}).json()
    assert test_split["scores_public"] is board["visible"]


def test_a_changed_public_subset_fraction_recomputes_the_stored_scores(world, django_capture_on_commit_callbacks):
    split = _subset_split(world, fraction=0.5)
    submit(split, world.alpha, world.alice, wrong=[0, 1, 2, 3, 4], entry="half-wrong")
    split_data = {f: getattr(split, f) for f in SPLIT_FIELDS}
    split_data["public_subset_fraction"] = 0.2
    with django_capture_on_commit_callbacks(execute=True):
        save_task(user=world.olivia, year=world.year, task=world.task, task_data={}, split_data={"test": split_data})
    public = public_subset_mask(10, seed=SEED, fraction=0.2)
    expected = round(float(public[:5].sum()) / public.sum(), 5)
    entry = LeaderboardEntry.objects.get(split=split)
    assert round(entry.stats["public"]["top5_error"][0], 5) == expected
    row = stored_rows(split, basis="public")[0]
    assert row["scores"]["top5_error"]["value"] == expected


def test_a_rebuild_with_nothing_changed_recomputes_no_entry(world):
    open_quota(world.val)
    submit(world.val, world.alpha, world.alice, wrong=2)
    submit(world.val, world.charlies_team, world.charlie, wrong=3)
    before = dict(LeaderboardEntry.objects.values_list("pk", "updated_at"))
    rebuild_leaderboard(split=world.val)
    assert dict(LeaderboardEntry.objects.values_list("pk", "updated_at")) == before


def _rows(split):
    return stored_rows(split)


def test_one_row_per_team_shows_its_best_even_when_it_marked_a_worse_entry_final(world):
    open_quota(world.val)
    marked = submit(world.val, world.alpha, world.alice, wrong=4, entry="marked final")
    submit(world.val, world.alpha, world.bob, wrong=2, entry="best")
    Submission.objects.filter(pk=marked.pk).update(is_final=True)
    assert world.year.leaderboard_rows == ChallengeYear.LeaderboardRows.BEST_PER_TEAM
    rebuild_leaderboard(split=world.val)
    assert [r["entry"] for r in _rows(world.val)] == ["best"]


def test_equal_scores_list_the_earlier_submission_first_when_it_was_also_received_first(world):
    open_quota(world.val)
    submit(world.val, world.alpha, world.alice, wrong=[0, 1], entry="earlier", minutes_ago=10)
    submit(world.val, world.charlies_team, world.charlie, wrong=[2, 3], entry="later", minutes_ago=5)
    assert [(r["rank"], r["entry"]) for r in _rows(world.val)] == [(1, "earlier"), (1, "later")]


def test_equal_scores_submitted_in_the_same_instant_keep_the_order_they_were_received_in(world):
    open_quota(world.val)
    first = submit(world.val, world.alpha, world.alice, wrong=[0, 1], entry="received first")
    second = submit(world.val, world.charlies_team, world.charlie, wrong=[2, 3], entry="received second")
    instant = timezone.now() - timedelta(minutes=1)
    Submission.objects.filter(pk__in=[first.pk, second.pk]).update(created_at=instant)
    LeaderboardEntry.objects.filter(split=world.val).update(submitted_at=instant)
    rebuild_leaderboard(split=world.val)
    assert [r["entry"] for r in _rows(world.val)] == ["received first", "received second"]


@pytest.mark.parametrize("path, field", [
    ("admin:submissions_submission_change", "disqualified"),
    ("admin:submissions_submission_change", "is_final"),
    ("admin:submissions_submission_change", "status"),
    ("admin:teams_team_change", "name"),
    ("admin:teams_team_change", "banned_until"),
    ("admin:competition_challengeyear_change", "results_at"),
    ("admin:competition_challengeyear_change", "leaderboard_rows"),
    ("admin:competition_task_change", "splits-0-visibility"),
    ("admin:competition_task_change", "splits-0-public_subset_fraction"),
])
def test_the_admin_shows_what_decides_a_ranking_but_offers_no_field_to_change_it(client, world, path, field):
    make_user("root", is_staff=True, is_superuser=True)
    client.login(username="root", password=PASSWORD)
    open_quota(world.val)
    submission = submit(world.val, world.alpha, world.alice, wrong=1)
    obj = {"admin:submissions_submission_change": submission, "admin:teams_team_change": world.alpha,
           "admin:competition_challengeyear_change": world.year, "admin:competition_task_change": world.task}[path]
    page = client.get(reverse(path, args=[obj.pk]))
    assert page.status_code == 200
    # Date-time fields render as two inputs, "<name>_0" and "<name>_1".
    assert not re.search(rf'name="{re.escape(field)}(_[01])?"', page.content.decode())
