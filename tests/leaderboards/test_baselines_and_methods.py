"""Methods and baselines on boards (issue 24, item 2): an entry's paper and code links are shown on
boards, in exports and the API; organizers flag baselines, shown at their score's place with a
mark and no rank number and never counted in a team's rank; boards give per team its number of
entries and the time of the last one."""

import csv
import io
from datetime import datetime, timezone

from django.test import Client
from django.urls import reverse

from challenge.audit.models import AuditEntry
from submissions.entries import edit_entry
from submissions.leaderboards import ranking
from tests.base import make_team, make_user
from tests.leaderboard_helpers import open_quota, submit


def _candidate(entry_id, team, error, *, baseline=False):
    return ranking.Candidate(entry_id, entry_id, team, f"team {team}", f"entry {entry_id}",
                             datetime(2030, 1, 1, 0, entry_id, tzinfo=timezone.utc), False, False, False,
                             {"all": {"top5_error": [error, error, error]}}, "", False, None, is_baseline=baseline)


def _rank(candidates):
    return ranking.rank(candidates, basis="all", track="combined", rows_mode="best", excluded_display="struck",
                        primary="top5_error", metrics=["top5_error"],
                        paired_tests=lambda ranked: [None] * len(ranked))


def test_a_baseline_sits_at_its_scores_place_without_a_rank_and_never_counts_for_its_team():
    rows = _rank([_candidate(1, 1, 0.10), _candidate(2, 2, 0.30), _candidate(3, 3, 0.20, baseline=True),
                  _candidate(4, 3, 0.25), _candidate(5, 4, 0.20)])
    assert [(r["entry"], r["rank"], r["position"], r["is_baseline"]) for r in rows] == [
        ("entry 1", 1, 1, False), ("entry 5", 2, 2, False), ("entry 3", None, None, True),
        ("entry 4", 3, 3, False), ("entry 2", 4, 4, False)]
    # Team 3's row is its own entry (0.25), not its better baseline; it counts both as its entries.
    assert [(r["team"]["id"], r["team_entries"]) for r in rows] == [(1, 1), (4, 1), (3, 2), (3, 2), (2, 1)]
    assert rows[3]["last_entry_at"] == "2030-01-01T00:04:00+00:00"


def test_methods_baselines_and_team_activity_on_the_board_its_exports_and_the_api(db, client, world):
    open_quota(world.val)
    first = submit(world.val, world.alpha, world.alice, wrong=2, entry="alpha one")
    submit(world.val, world.alpha, world.alice, wrong=3, entry="alpha two")
    edit_entry(submission=first, user=world.alice, entry_name="alpha one", description="A **ResNet**.",
               method_url="https://arxiv.org/abs/1512.03385", code_url="https://github.com/example/resnet")
    keeper = make_user("keeper")
    reference = submit(world.val, make_team(world.year, "Organizers' reference", keeper), keeper, wrong=1,
                       entry="reference")
    organizer = Client()
    organizer.force_login(world.olivia)
    organizer.post(reverse("organize:entry-baseline", args=[world.year.slug, reference.pk]), {"is_baseline": "on"})
    assert AuditEntry.objects.filter(action="entry.baseline", details__is_baseline=True).exists()

    api = client.get(reverse("leaderboard_api:leaderboard", args=[world.year.slug, "classification"])).json()
    rows = [(e["entry"], e["rank"], e["is_baseline"], e["team_entries"]) for e in api["entries"]]
    assert rows == [("reference", None, True, 1), ("alpha one", 1, False, 2)]
    assert api["entries"][1]["method_url"] == "https://arxiv.org/abs/1512.03385"
    assert api["entries"][1]["last_entry_at"] > api["entries"][1]["submitted_at"]

    page = client.get(reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", "val"])).content.decode()
    assert 'class="badge baseline-mark"' in page and "2 entries · last" in page
    assert '<a href="https://arxiv.org/abs/1512.03385" rel="nofollow noopener">paper</a>' in page
    assert '<a href="https://github.com/example/resnet" rel="nofollow noopener">code</a>' in page

    export = client.get(reverse("leaderboards:export", args=[world.year.slug, "classification", "val", "csv"]))
    lines = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert [(r["entry"], r["rank"], r["baseline"], r["code_url"], r["team_entries"]) for r in lines] == [
        ("reference", "", "True", "", "1"), ("alpha one", "1", "False", "https://github.com/example/resnet", "2")]
