"""Challenge years, their tasks and the two splits of each task."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def new_subset_seed() -> int:
    """A secret seed for a split's public subset: 63 random bits from the OS, never zero."""
    return secrets.randbelow(2**63 - 1) + 1


class ChallengeYearQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ChallengeYear.Status.PUBLISHED)

    def visible_to(self, user):
        """Published years for everyone; drafts too for organizers, who preview them."""
        if user.is_authenticated and user.has_perm("competition.change_challengeyear"):
            return self.all()
        return self.published()


class ChallengeYear(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    class LeaderboardRows(models.TextChoices):
        BEST_PER_TEAM = "best", "One row per team: its best entry"
        FINAL_PER_TEAM = "final", "One row per team: its selected final entries"
        ALL_ENTRIES = "all", "Every entry"

    class ExcludedDisplay(models.TextChoices):
        STRUCK = "struck", "Shown struck through with the reason"
        HIDDEN = "hidden", "Hidden"

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Markdown.")
    rules = models.TextField(blank=True, help_text="Markdown.")
    terms_of_access = models.TextField(blank=True, help_text="Markdown. Accepted before any download.")
    class_set = models.ForeignKey("competition.ClassSet", on_delete=models.PROTECT, related_name="years")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # A historical year shows published results only; it takes no submissions.
    is_historical = models.BooleanField(default=False)
    opens_at = models.DateTimeField(null=True, blank=True)
    # The current deadline; every change is kept in DeadlineChange.
    deadline = models.DateTimeField(null=True, blank=True)
    results_at = models.DateTimeField(null=True, blank=True, help_text="When final results are announced.")
    leaderboard_rows = models.CharField(
        max_length=10, choices=LeaderboardRows.choices, default=LeaderboardRows.BEST_PER_TEAM
    )
    excluded_display = models.CharField(
        max_length=10, choices=ExcludedDisplay.choices, default=ExcludedDisplay.STRUCK
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ChallengeYearQuerySet.as_manager()

    class Meta:
        db_table = "challenge_challengeyear"
        ordering = ["-slug"]

    def __str__(self):
        return self.title

    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class DeadlineChange(models.Model):
    """The recorded history of a year's submission deadline (extensions and corrections)."""

    year = models.ForeignKey(ChallengeYear, on_delete=models.CASCADE, related_name="deadline_changes")
    old_deadline = models.DateTimeField(null=True, blank=True)
    new_deadline = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "challenge_deadlinechange"
        ordering = ["-changed_at"]


class Task(models.Model):
    class Kind(models.TextChoices):
        CLASSIFICATION = "classification", "Classification (top-5 error)"
        HIERARCHICAL = "hierarchical", "Classification with hierarchical error"
        LOCALIZATION = "localization", "Classification with localization"
        DETECTION = "detection", "Object detection (mean average precision)"

    year = models.ForeignKey(ChallengeYear, on_delete=models.CASCADE, related_name="tasks")
    slug = models.SlugField()
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CLASSIFICATION)
    # Detection is scored on its own classes (ILSVRC's 200 DET categories), not the year's 1000.
    class_set = models.ForeignKey("competition.ClassSet", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="tasks", help_text="Empty: the year's class set.")
    description = models.TextField(blank=True, help_text="Markdown.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "challenge_task"
        ordering = ["year", "position", "slug"]
        constraints = [models.UniqueConstraint(fields=["year", "slug"], name="task_unique_slug")]

    def __str__(self):
        return f"{self.year.slug}/{self.slug}"

    @property
    def classes(self):
        """The class set this task's labels come from: its own, or else its year's."""
        return self.class_set if self.class_set_id else self.year.class_set

    @property
    def primary_metric(self) -> str:
        return {
            self.Kind.CLASSIFICATION: "top5_error",
            self.Kind.HIERARCHICAL: "hierarchical_error",
            self.Kind.LOCALIZATION: "localization_error",
            self.Kind.DETECTION: "mean_average_precision",
        }[self.kind]


class Split(models.Model):
    class Name(models.TextChoices):
        VAL = "val", "Validation"
        TEST = "test", "Test"

    class Visibility(models.TextChoices):
        IMMEDIATE = "immediate", "Scores public at once"
        HIDDEN = "hidden", "Hidden until the results date (ILSVRC)"
        PUBLIC_SUBSET = "public_subset", "Live on a public subset; the rest decides the final ranking (Kaggle)"
        LADDER = "ladder", "Ladder: a team's shown score moves only on a significant improvement"

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="splits")
    name = models.CharField(max_length=4, choices=Name.choices)
    n_images = models.PositiveIntegerField()
    labels_public = models.BooleanField(default=False, help_text="Validation labels are published with the data.")
    # Quota: N accepted submissions per team (and per person) per rolling window, plus a total.
    quota_per_window = models.PositiveIntegerField(default=5)
    quota_window_days = models.PositiveIntegerField(default=1)
    quota_total = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: no total limit.")
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.IMMEDIATE)
    # The public subset is secret: a sample of this fraction of the images, drawn with a seed from
    # `secrets` (a guessable seed would let anyone compute the public images' answers' positions).
    public_subset_fraction = models.FloatField(default=0.3)
    public_subset_seed = models.PositiveBigIntegerField(default=new_subset_seed)
    max_final_entries = models.PositiveSmallIntegerField(default=2)
    # As the ILSVRC evaluation server did for years: entries after the results date, on a board of
    # their own beside the frozen official one (challenge.policy.split_opening).
    post_challenge = models.BooleanField(
        default=True, verbose_name="Entries after the challenge",
        help_text="From the results date, take entries (with this split's quota) onto a post-challenge board "
                  "beside the frozen official results; their scores are public and on all images.")

    class Meta:
        db_table = "challenge_split"
        ordering = ["task", "-name"]
        constraints = [
            models.UniqueConstraint(fields=["task", "name"], name="split_unique_name"),
            models.CheckConstraint(
                condition=Q(public_subset_fraction__gt=0) & Q(public_subset_fraction__lt=1),
                name="split_subset_fraction_range",
            ),
        ]

    def __str__(self):
        return f"{self.task}/{self.name}"

    @property
    def current_ground_truth(self):
        return self.ground_truths.filter(is_current=True).first()


class GroundTruth(models.Model):
    """One version of a split's hidden answers, in private storage; never served by any URL.

    Replacing ground truth adds a version and rescores; old versions and the scores computed
    against them are kept.
    """

    split = models.ForeignKey(Split, on_delete=models.CASCADE, related_name="ground_truths")
    labels_key = models.CharField(max_length=300)
    labels_sha256 = models.CharField(max_length=64)
    boxes_key = models.CharField(max_length=300, blank=True)
    boxes_sha256 = models.CharField(max_length=64, blank=True)
    blacklist_key = models.CharField(max_length=300, blank=True)
    blacklist_sha256 = models.CharField(max_length=64, blank=True)
    # A revision of the labels (classification): several valid labels per image, images left
    # out (the ReaL layout, or one line of class ids or WNIDs per image), and the year's class
    # revision (retired classes) this version applies. Both are part of the version's commitment.
    revised_labels_key = models.CharField(max_length=300, blank=True)
    revised_labels_sha256 = models.CharField(max_length=64, blank=True)
    class_revision = models.ForeignKey("competition.ClassRevision", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="ground_truths")
    # Where a revision of the labels came from, in words (a file uploaded by an organizer, or a
    # crowd verification's published result with its votes, annotators, algorithm and threshold).
    revision_source = models.CharField(max_length=500, blank=True)
    is_current = models.BooleanField(default=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "challenge_groundtruth"
        ordering = ["split", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["split"], condition=Q(is_current=True), name="ground_truth_one_current"
            )
        ]

    def __str__(self):
        return f"ground truth of {self.split} ({self.labels_sha256[:12]})"

    @property
    def commitment(self) -> str:
        """The public SHA-256 commitment: of the labels, and of the boxes when there are any;
        a revised version adds its revised labels (`real:`) and its retired classes (`classes:`)."""
        parts = [self.labels_sha256] + ([self.boxes_sha256] if self.boxes_sha256 else [])
        if self.revised_labels_sha256:
            parts.append(f"real:{self.revised_labels_sha256}")
        if self.class_revision_id:
            parts.append(f"classes:{self.class_revision.sha256}")
        return "+".join(parts)

    @property
    def is_revised(self) -> bool:
        """Whether this version carries a revision of the labels or of the classes."""
        return bool(self.revised_labels_sha256 or self.class_revision_id)


class ClassRevision(models.Model):
    """A revision of a year's class set: the classes retired from it, with a public reason (the
    2019 filtering of ImageNet's person subtree is the example). The year's, not the shared
    class set's: other years keep the classes. Cumulative: `retired_wnids` lists every class
    retired as of this revision, `newly_retired` those this one added. Tasks apply it by WNID
    (a detection task on its own classes loses the retired WNIDs it has). `sha256` commits to
    the sorted WNIDs, one a line."""

    year = models.ForeignKey(ChallengeYear, on_delete=models.CASCADE, related_name="class_revisions")
    retired_wnids = models.JSONField(default=list)
    newly_retired = models.JSONField(default=list)
    reason = models.TextField()
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["year", "-created_at", "-id"]

    def __str__(self):
        return f"class revision of {self.year.slug}: {len(self.retired_wnids)} class(es) retired"
