"""Materialized leaderboards (one entry per scored submission, rendered boards, frozen archives)
and the published results of the historical ILSVRC years.

Everything a page or the API shows is computed when a score is recorded (or a writer calls
services.mark_dirty), never per request. The tables keep the names they had when these
models lived in the submissions app (db_table), so moving them moved no rows.
"""

import uuid

from django.db import models
from django.utils import timezone

from challenge.policy import Basis, Board


class Track(models.TextChoices):
    PROVIDED = "provided", "Provided data only"
    OUTSIDE = "outside", "With outside data"
    COMBINED = "combined", "Combined"


class LeaderboardEntry(models.Model):
    """One scored submission as boards show it: metrics and 95% bootstrap intervals per basis.

    `stats` is {basis: {metric: [value, ci_low, ci_high]}}, computed once per score.
    `stats_key` names everything those numbers were computed from (the score, the bases and
    the public subset's fraction and seed): a rebuild recomputes an entry whose key differs.
    `ladder_accepted` records whether this submission moved its team's shown Ladder score.
    """

    Basis = Basis
    Track = Track

    split = models.ForeignKey("competition.Split", on_delete=models.CASCADE, related_name="leaderboard_entries")
    submission = models.OneToOneField(
        "submissions.Submission", on_delete=models.CASCADE, related_name="leaderboard_entry"
    )
    score = models.ForeignKey("submissions.Score", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    submitted_at = models.DateTimeField()
    stats = models.JSONField(default=dict)
    stats_key = models.CharField(max_length=200, blank=True)
    ladder_accepted = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "submissions_leaderboardentry"
        ordering = ["split", "submitted_at", "submission_id"]
        indexes = [models.Index(fields=["split", "team", "submitted_at"], name="submissions_split_i_540a5a_idx")]


class LeaderboardBoard(models.Model):
    """One ranked board of a split: a board (official, or after the challenge), a basis and a
    track. Kept up to date by the ranking workers, never per request.

    Its rows are stored in segments (BoardSegment) of about 100 rows, in the order `segments`
    gives (one short list per segment, see leaderboards.segments.SegmentInfo): a new score
    rewrites the segment it lands in, and positions, ranks and tie groups are derived when a
    page is read. `built_at` moves with every change stored (the board's version).
    """

    Basis = Basis
    Board = Board
    Track = Track

    split = models.ForeignKey("competition.Split", on_delete=models.CASCADE, related_name="leaderboard_boards")
    # Which board: the official one, or the post-challenge one (policy.Board).
    kind = models.CharField(max_length=16, choices=Board.choices, default=Board.OFFICIAL)
    basis = models.CharField(max_length=8, choices=Basis.choices)
    track = models.CharField(max_length=8, choices=Track.choices)
    n_rows = models.PositiveIntegerField(default=0)
    n_ranked = models.PositiveIntegerField(default=0)
    n_teams = models.PositiveIntegerField(default=0)
    n_pages = models.PositiveIntegerField(default=0)
    n_older = models.PositiveIntegerField(default=0, help_text="Rows still scored on an earlier ground truth.")
    segments = models.JSONField(default=list)
    # What its pages say besides their rows, as it was ranked (rendering.board_header).
    header = models.JSONField(default=dict, blank=True)
    # The first row as served (its team and scores), for the winners on the home and year pages.
    top = models.JSONField(default=dict, blank=True)
    built_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "submissions_leaderboardboard"
        constraints = [
            models.UniqueConstraint(fields=["split", "kind", "basis", "track"], name="leaderboard_board_unique")
        ]


class BoardSegment(models.Model):
    """About 100 consecutive rows of a board, as JSON (leaderboards.segments says what a stored
    row holds). Replaced, never updated: a segment id names immutable content, so each process
    may keep a segment it has read without asking again whether it changed (segment_rows keeps
    one for a few minutes)."""

    board = models.ForeignKey(LeaderboardBoard, on_delete=models.CASCADE, related_name="+")
    rows = models.TextField()

    class Meta:
        db_table = "submissions_boardsegment"


class BoardPlacement(models.Model):
    """Where one team's rows are on its split's live boards: {"<basis>:<track>": [[key, digest],
    ...]}, the key of each row (its place in the board's order) and a digest of what it shows.
    A change to the team's entries is ranked again by comparing the team's new rows with these:
    rows that did not change are not touched."""

    split = models.ForeignKey("competition.Split", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    rows = models.JSONField(default=dict)

    class Meta:
        db_table = "submissions_boardplacement"
        constraints = [models.UniqueConstraint(fields=["split", "team"], name="board_placement_unique")]


class BoardChange(models.Model):
    """A change the split's boards do not show yet: one team's entries (`team`), or, with no
    team, anything that moves every row (settings, a public subset, a ground truth): written by
    mark_dirty in the writer's transaction, taken away by the update that shows it."""

    split = models.ForeignKey("competition.Split", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("teams.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "submissions_boardchange"


class BoardBuild(models.Model):
    """How far a split's stored boards lag behind its scores: the queue of board updates.

    Each change adds one to `changes` in its own transaction (and a BoardChange row saying
    what changed). An update holds this row locked (a worker claims it with SKIP LOCKED) from
    before it reads the changes until it commits, then sets `built_changes` to the count it saw
    and `built_at` to when it started; a change recorded meanwhile waits for the lock and
    leaves the split stale for the next one. `ranked_with` names the settings the boards were
    fully ranked with (services.settings_key): an update under other settings ranks everything again.
    `bans_checked_at`: bans that ended before it have been shown ended (the chores mark the rest).
    """

    split = models.OneToOneField("competition.Split", on_delete=models.CASCADE, primary_key=True, related_name="+")
    changes = models.PositiveBigIntegerField(default=0)
    built_changes = models.PositiveBigIntegerField(default=0)
    built_at = models.DateTimeField(null=True, blank=True)
    ranked_with = models.CharField(max_length=300, blank=True)
    bans_checked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"boards of split {self.split_id}: {self.changes - self.built_changes} change(s) to rebuild"


class LeaderboardArchive(models.Model):
    """The final ranking of a split and track as published at the results date.

    The rendered exports and their SHA-256 are stored once; no code path updates them, so
    later moderation or rescoring cannot alter what was published.
    """

    Track = Track

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    split = models.ForeignKey("competition.Split", on_delete=models.PROTECT, related_name="leaderboard_archives")
    track = models.CharField(max_length=8, choices=Track.choices)
    basis = models.CharField(max_length=8, choices=Basis.choices)
    frozen_at = models.DateTimeField(default=timezone.now)
    html = models.TextField()
    json_text = models.TextField()
    json_sha256 = models.CharField(max_length=64)
    csv_text = models.TextField()
    csv_sha256 = models.CharField(max_length=64)

    class Meta:
        db_table = "submissions_leaderboardarchive"
        ordering = ["split", "track"]
        constraints = [models.UniqueConstraint(fields=["split", "track"], name="leaderboard_archive_once")]


class HistoricalResultQuerySet(models.QuerySet):
    def shown(self):
        """Rows verified against their source, and partly verified ones (shown with a note)."""
        return self.exclude(verified=HistoricalResult.Verified.NO)


class HistoricalResult(models.Model):
    """One row of a published ILSVRC results table, as transcribed with its source."""

    class Verified(models.TextChoices):
        YES = "yes", "Verified against the cited source"
        PARTIAL = "partial", "Partly verified"
        NO = "no", "Not verified"

    task = models.ForeignKey("competition.Task", on_delete=models.CASCADE, related_name="historical_results")
    position = models.PositiveSmallIntegerField(help_text="Order in the source table (1 = winner).")
    team_name = models.CharField(max_length=200)
    entry = models.CharField(max_length=300, blank=True)
    extra_training_data = models.CharField(max_length=200, blank=True)
    top5_cls_error = models.FloatField(null=True, blank=True)
    top5_loc_error = models.FloatField(null=True, blank=True)
    mean_ap = models.FloatField(null=True, blank=True, help_text="Object detection: mean average precision.")
    # What the page shows: a short citation linked to the paper or official page, and for a
    # partly verified row what is unconfirmed. `source` keeps the working notes (provenance only).
    citation = models.CharField(max_length=300, blank=True)
    url = models.URLField(max_length=300, blank=True)
    note = models.CharField(max_length=300, blank=True)
    source = models.TextField()
    verified = models.CharField(max_length=8, choices=Verified.choices)

    objects = HistoricalResultQuerySet.as_manager()

    class Meta:
        db_table = "submissions_historicalresult"
        ordering = ["task", "position"]
        constraints = [models.UniqueConstraint(fields=["task", "position"], name="historical_result_position")]

    def __str__(self):
        return f"{self.task} #{self.position} {self.team_name}"

    @property
    def uses_outside_data(self) -> bool:
        value = self.extra_training_data.strip().lower()
        return bool(value) and not value.startswith("no")
