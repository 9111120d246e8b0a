"""Boards updated team by team equal boards ranked whole, field by field, after any sequence of changes.

Each example sets up a year and a validation split under one visibility rule (immediate, public
subset, Ladder, hidden) and one row mode (best, final, all entries), with the excluded entries
struck or hidden and boards stored in segments of 1 to 5 rows (so that edits cross segments,
cut and merge them). It then applies a random sequence of changes through the real services:
new scores (exact ties included: 24 images, so scores come in steps of 1/24, and the same score
with different wrong images), withdrawals and their undoing, disqualifications and
restorations, not-comparable marks, final-entry choices, bans and their lifting, renamed
entries, baselines flagged and unflagged, and the results date passing (the split then takes
entries on its post-challenge board, ranked beside the official one). After each change the ranking worker's unit runs (rebuild_due_boards, which ranks only
the changed teams' rows again), and every board of the split (each basis and track) is compared
with the boards that a whole ranking (rebuild_leaderboard, in a savepoint rolled back
afterwards) stores, official and post-challenge: every served row, the totals, the first row, the header and every page as
the API serves it; the entries (their stats and Ladder decisions) and the teams' placements too.
The split's labels carry a revision (ReaL sets), so every row's revised figures are compared too.
"""

import itertools
import json
import logging
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from django.db import transaction
from django.utils import timezone

from challenge.competition.models import ChallengeYear, Split
from submissions import entries, moderation, services
from submissions.errors import SubmissionNotAllowed
from submissions.leaderboards.models import BoardPlacement, LeaderboardBoard, LeaderboardEntry
from submissions.leaderboards.selectors import board_page_rows, board_rows, page_body
from submissions.leaderboards.services import mark_dirty, rebuild_due_boards, rebuild_leaderboard
from submissions.models import Submission
from submissions.revision_uploads import upload_revised_labels
from tests.base import make_task, make_team, make_user, make_year, predictions_file

pytestmark = pytest.mark.django_db

IMAGES = 24
LABELS = list(range(1, IMAGES + 1))
# Every fifth image left out, every other one with a second valid label.
REVISED = "".join("\n" if i % 5 == 4 else f"{label} {label % IMAGES + 1}\n" if i % 2 else f"{label}\n"
                  for i, label in enumerate(LABELS)).encode()
TEAMS = 4
_examples = itertools.count()

a_score = st.tuples(st.just("score"), st.integers(0, TEAMS - 1), st.integers(0, IMAGES), st.integers(0, 3),
                    st.booleans(), st.integers(0, 4))
a_change = st.one_of(
    a_score, a_score, a_score,
    st.tuples(st.just("withdraw"), st.integers(0, 99), st.booleans()),
    st.tuples(st.just("disqualify"), st.integers(0, 99), st.booleans()),
    st.tuples(st.just("not_comparable"), st.integers(0, 99), st.booleans()),
    st.tuples(st.just("final"), st.integers(0, TEAMS - 1), st.lists(st.integers(0, 99), max_size=2)),
    st.tuples(st.just("ban"), st.integers(0, TEAMS - 1), st.booleans()),
    st.tuples(st.just("rename"), st.integers(0, 99)),
    st.tuples(st.just("baseline"), st.integers(0, 99), st.booleans()),
    st.tuples(st.just("results")),
)


class Year:
    """One example's year, split, teams and their scored entries."""

    def __init__(self, *, visibility: str, rows_mode: str, excluded: str):
        n = next(_examples)
        self.year = make_year(f"inc{n}", leaderboard_rows=rows_mode, excluded_display=excluded)
        task = make_task(self.year, val_labels=LABELS)
        Split.objects.filter(task=task).update(visibility=visibility, public_subset_fraction=0.5,
                                               public_subset_seed=12345 + n, quota_per_window=1000, quota_total=None)
        self.split = Split.objects.select_related("task__year").get(task=task)
        self.organizer = make_user(f"org{n}", organizer=True)
        # Revised labels (issue 25) from the start, so that every row carries its ReaL figures
        # beside the original ones and they ride along in the segments' rows.
        upload_revised_labels(user=self.organizer, split=self.split, data=REVISED)
        self.members = [make_user(f"m{n}x{i}") for i in range(TEAMS)]
        self.teams = [make_team(self.year, f"Team {i}", user) for i, user in enumerate(self.members)]
        self.entries: list[Submission] = []
        self.started = timezone.now()
        self.results_changes = 0

    def entry(self, index: int) -> Submission | None:
        if not self.entries:
            return None
        return Submission.objects.get(pk=self.entries[index % len(self.entries)].pk)

    def apply(self, change: tuple) -> None:
        kind, *args = change
        if kind == "score":
            team, n_wrong, shift, outside, minutes = args
            wrong = {(shift * 7 + i) % IMAGES for i in range(n_wrong)}
            rows = [[500 + i] if i in wrong else [label] for i, label in enumerate(LABELS)]
            try:
                submission = services.create_submission(
                    team=self.teams[team], split=self.split, user=self.members[team], data=predictions_file(rows),
                    entry_name=f"e{len(self.entries)}", external_data=outside)
            except SubmissionNotAllowed:  # a banned team
                return
            Submission.objects.filter(pk=submission.pk).update(created_at=self.started - timedelta(minutes=minutes))
            services.score_submission(submission_id=submission.pk)
            self.entries.append(submission)
            while rebuild_due_boards(coalesce=False):  # the ranking worker's part
                pass
            return
        if kind == "results":
            # The organizers move the deadline and the results date to the past (a change of the
            # year's dates marks every board); later entries go on the post-challenge board.
            if self.results_changes:
                return
            now = timezone.now()
            ChallengeYear.objects.filter(pk=self.year.pk).update(deadline=now - timedelta(minutes=2),
                                                                 results_at=now - timedelta(minutes=1))
            Split.objects.filter(pk=self.split.pk).update(post_challenge=True)
            self.split = Split.objects.select_related("task__year").get(pk=self.split.pk)
            self.results_changes += 1
            mark_dirty(splits=[self.split])
            while rebuild_due_boards(coalesce=False):
                pass
            return
        if kind == "ban":
            team, banned = args
            moderation.ban_team(user=self.organizer, team=self.teams[team], reason="copied" if banned else "",
                                banned_until=timezone.now() + timedelta(days=3) if banned else None)
            return
        if kind == "final":
            team, picks = args
            own = [s for s in self.entries if s.team_id == self.teams[team].pk]
            chosen = {own[i % len(own)].pk for i in picks} if own else set()
            try:
                services.mark_final_entries(team=self.teams[team], split=self.split, submission_ids=list(chosen))
            except services.FinalEntriesRefused:  # a disqualified or withdrawn pick
                pass
            return
        submission = self.entry(args[0])
        if submission is None:
            return
        member = self.members[[t.pk for t in self.teams].index(submission.team_id)]
        if kind == "baseline":
            moderation.set_baseline(user=self.organizer, submission=submission, is_baseline=args[1])
            return
        if kind in ("withdraw", "rename"):
            try:
                if kind == "withdraw":
                    entries.set_withdrawn(submission=submission, user=member, withdrawn=args[1])
                else:
                    entries.edit_entry(submission=submission, user=member, entry_name=f"{submission.entry_name}'",
                                       description=f"method {args[0]}")
            except entries.EntryChangeRefused:  # a banned team's entries stay as they are
                pass
        else:
            mark = {"disqualify": "disqualified", "not_comparable": "not_comparable"}[kind]
            marks = {name: getattr(submission, name) for name in moderation.MARKS}
            marks.update({mark: args[1], f"{mark}_reason": "a reason" if args[1] else ""})
            moderation.moderate_submission(user=self.organizer, submission=submission, **marks)


def snapshot(split: Split) -> dict:
    """Everything the split's boards show, and what their updates rest on."""
    boards = {}
    for board in LeaderboardBoard.objects.filter(split=split).order_by("kind", "basis", "track"):
        rows = board_rows(board)
        # Pages of 7 rows, assembled from the segments, add up to the board.
        paged = [row for page in range(1, -(-len(rows) // 7) + 1)
                 for row in board_page_rows(board, page, size=7)]
        assert paged == rows
        boards[(board.kind, board.basis, board.track)] = {
            "rows": rows, "totals": (board.n_rows, board.n_ranked, board.n_teams, board.n_pages, board.n_older),
            "top": board.top, "header": board.header,
            "pages": [json.loads(page_body(board=board, page=page, body="json", split=split))
                      for page in range(1, board.n_pages + 1)]}
    placements = {team: {label: sorted(items) for label, items in rows.items()}
                  for team, rows in BoardPlacement.objects.filter(split=split).values_list("team_id", "rows")}
    stored_entries = sorted(LeaderboardEntry.objects.filter(split=split).values_list(
        "submission_id", "score_id", "team_id", "ladder_accepted", "stats", "stats_key"))
    return {"boards": boards, "placements": placements, "entries": stored_entries}


def whole_ranking(split: Split) -> dict:
    """What rebuild_leaderboard stores, without keeping it."""
    with transaction.atomic():
        rebuild_leaderboard(split=split)
        ranked = snapshot(split)
        transaction.set_rollback(True)
    return ranked


@pytest.mark.slow
@pytest.mark.parametrize("rows_mode", ChallengeYear.LeaderboardRows.values)
@pytest.mark.parametrize("visibility", Split.Visibility.values)
@settings(max_examples=6, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(excluded=st.sampled_from(ChallengeYear.ExcludedDisplay.values), rows_per_segment=st.sampled_from([1, 2, 3, 5]),
       changes=st.lists(a_change, min_size=2, max_size=10))
def test_boards_updated_team_by_team_equal_boards_ranked_whole(
        visibility, rows_mode, excluded, rows_per_segment, changes, settings, caplog):
    settings.LEADERBOARD_SEGMENT_ROWS = rows_per_segment
    caplog.set_level(logging.DEBUG, logger="submissions.leaderboards.services")
    with transaction.atomic():
        year = Year(visibility=visibility, rows_mode=rows_mode, excluded=excluded)
        caplog.clear()
        for change in changes:
            year.apply(change)
            if LeaderboardBoard.objects.filter(split=year.split).exists():  # once something was ranked
                assert snapshot(year.split) == whole_ranking(year.split), (change, changes)
        assert "did not hold what their index said" not in caplog.text
        shown = [row for board in snapshot(year.split)["boards"].values() for row in board["rows"]
                 if "top1_error" in row["scores"]]  # a Ladder's rows show the primary score alone
        assert all("real_top5_error" in row["scores"] for row in shown)
        whole = [r for r in caplog.records if "ranked whole (everything" in r.getMessage()]
        # The first score ranks the new split whole, and so does the results date's change of the
        # year's dates; every other change team by team.
        assert len(whole) <= 1 + year.results_changes
        transaction.set_rollback(True)
