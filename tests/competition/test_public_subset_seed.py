"""The public subset is secret: its seed is drawn from `secrets` for every new split and on an
organizer's request, shown on organizer pages only, and the zero seeds of older splits are
replaced (their boards rebuilt by the next scoring pass)."""

import importlib

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse
from rest_framework.test import APIClient

from challenge.audit.models import AuditEntry
from challenge.competition.models import Split, Task
from submissions.leaderboards import ranking
from submissions.leaderboards.models import LeaderboardEntry
from tests.base import PASSWORD
from tests.leaderboard_helpers import open_quota, submit
from tests.competition.test_organizer_years import split_form

pytestmark = pytest.mark.django_db

def _public_subset(split, *, seed=None):
    values = {"visibility": Split.Visibility.PUBLIC_SUBSET, "public_subset_fraction": 0.3}
    if seed is not None:
        values["public_subset_seed"] = seed
    Split.objects.filter(pk=split.pk).update(**values)
    open_quota(split)
    return Split.objects.get(pk=split.pk)


def _public_error(entry) -> float:
    return entry.stats["public"]["top5_error"][0]


def test_every_new_split_gets_its_own_secret_seed(client, world):
    client.login(username="olivia", password=PASSWORD)
    data = {"slug": "loc", "title": "Localization", "kind": "localization", "description": "", "position": "1",
            **split_form("val", visibility="immediate", labels_public="on"),
            **split_form("test", visibility="public_subset")}
    assert client.post(reverse("organize:task-create", args=[world.year.slug]), data).status_code == 302
    task = Task.objects.get(year=world.year, slug="loc")
    made_here = Split.objects.create(task=Task.objects.create(year=world.year, slug="other", title="Other"),
                                     name=Split.Name.TEST, n_images=10)
    seeds = [split.public_subset_seed for split in (*task.splits.all(), made_here, world.val, world.test)]
    assert 0 not in seeds and len(set(seeds)) == len(seeds)
    assert all(seed >= 2**32 for seed in seeds[:1])  # drawn from 63 bits, not a small counter


def test_an_organizer_draws_a_new_secret_subset_and_the_boards_follow(client, world, django_capture_on_commit_callbacks):
    test = _public_subset(world.test, seed=7)
    wrong_on_public = set(ranking.public_subset_mask(10, seed=7, fraction=0.3).nonzero()[0].tolist())
    submit(test, world.alpha, world.alice, wrong=wrong_on_public, entry="tuned to seed 7")
    assert _public_error(LeaderboardEntry.objects.get()) == 1.0

    client.login(username="olivia", password=PASSWORD)
    url = reverse("organize:split-new-subset", args=[world.year.slug, world.task.slug, "test"])
    assert client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    test.refresh_from_db()
    assert test.public_subset_seed not in (0, 7)
    entry = LeaderboardEntry.objects.get()
    mask = ranking.public_subset_mask(10, seed=test.public_subset_seed, fraction=0.3)
    assert _public_error(entry) == len(wrong_on_public & set(mask.nonzero()[0].tolist())) / mask.sum()
    audit = AuditEntry.objects.get(action="split.new_subset")
    assert audit.actor == world.olivia and str(test.public_subset_seed) not in str(audit.details)


def test_the_seed_is_shown_to_organizers_only(client, world):
    test = _public_subset(world.test)
    seed = str(test.public_subset_seed)
    board = reverse("leaderboards:leaderboard", args=[world.year.slug, world.task.slug, "test"])
    public = [reverse("challenge:year-detail", args=[world.year.slug]), board, f"/api/years/{world.year.slug}/"]
    client.login(username="alice", password=PASSWORD)
    for url in public:
        assert seed not in client.get(url).content.decode(), url
    assert client.get(reverse("organize:year", args=[world.year.slug])).status_code == 403
    assert seed not in APIClient().get(f"/api/years/{world.year.slug}/").content.decode()
    client.login(username="olivia", password=PASSWORD)
    assert seed in client.get(reverse("organize:year", args=[world.year.slug])).content.decode()


def test_zero_seeds_are_replaced_and_the_next_scoring_pass_rebuilds_their_boards(world):
    test = _public_subset(world.test, seed=0)
    submit(test, world.alpha, world.alice, wrong=3, entry="scored on the seed-0 subset")
    assert LeaderboardEntry.objects.get().stats_key.endswith(":0")

    migration = importlib.import_module("challenge.migrations.0004_secret_subset_seeds")
    # The models as the migration knows them (the Split model lived in the challenge app then).
    historical = MigrationLoader(connection).project_state(("challenge", "0004_secret_subset_seeds")).apps
    migration.replace_zero_seeds(historical, None)
    test.refresh_from_db()
    assert test.public_subset_seed != 0
    assert not Split.objects.filter(public_subset_seed=0).exists()

    call_command("score_pending")
    entry = LeaderboardEntry.objects.get()
    assert entry.stats_key.endswith(f":{test.public_subset_seed}")
    mask = ranking.public_subset_mask(10, seed=test.public_subset_seed, fraction=0.3)
    assert _public_error(entry) == len({0, 1, 2} & set(mask.nonzero()[0].tolist())) / mask.sum()
