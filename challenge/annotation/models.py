"""Verification of labels by a crowd, as ImageNet was built: annotators (a role in a year, not a
team), verification tasks with their consensus settings, images (private files), questions
("does this image show a kit fox?"), their assignments and votes, annotators' standing,
teams' reports of wrong labels, aggregations and their publication as a revision of a split's
labels. The consensus itself is computed by the pure modules beside (consensus.py)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from challenge.annotation.consensus import ALGORITHMS, ANSWER_NAMES


def new_token() -> str:
    return secrets.token_urlsafe(32)


class AnnotatorInvitation(models.Model):
    """An organizer's invitation to annotate a year: a single-use link, e-mailed."""

    year = models.ForeignKey("competition.ChallengeYear", on_delete=models.CASCADE, related_name="annotator_invitations")
    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True, default=new_token)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class Annotator(models.Model):
    """Someone who answers the questions of a year's verification tasks: a person who accepted
    an invitation, or a rater whose votes were imported (`external_id`, no account)."""

    year = models.ForeignKey("competition.ChallengeYear", on_delete=models.CASCADE, related_name="annotators")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="annotator_roles")
    external_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["year", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["year", "user"], condition=Q(user__isnull=False), name="annotator_once"),
            models.UniqueConstraint(fields=["year", "external_id"], condition=~Q(external_id=""),
                                    name="annotator_external_once"),
        ]

    def __str__(self):
        return self.user.username if self.user_id else self.external_id


class VerificationTask(models.Model):
    """A set of questions verified by a year's annotators, with its consensus settings (ImageNet's
    dynamic consensus; see consensus.ConsensusSettings) and how its result is read: the
    `algorithm` and the `threshold` a posterior must pass for a label to be valid. `split`: the
    classification split whose labels a published result revises."""

    class Algorithm(models.TextChoices):
        MAJORITY = "majority", "Majority vote (a maybe counts half)"
        DAWID_SKENE = "dawid-skene", "Dawid & Skene (EM; gold questions clamped)"
        DAWID_SKENE_GOLD = "dawid-skene-gold", "Dawid & Skene with each annotator's confusion from the gold questions"

    year = models.ForeignKey("competition.ChallengeYear", on_delete=models.CASCADE, related_name="verification_tasks")
    split = models.ForeignKey("competition.Split", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="verification_tasks")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_open = models.BooleanField(default=True, help_text="Annotators receive its questions.")
    min_votes = models.PositiveSmallIntegerField(default=5)
    max_votes = models.PositiveSmallIntegerField(default=9)
    accept_at = models.FloatField(default=0.95)
    reject_at = models.FloatField(default=0.05)
    gold_share = models.FloatField(default=0.10)
    stop_below = models.FloatField(default=0.6)
    judge_after = models.PositiveSmallIntegerField(default=20)
    algorithm = models.CharField(max_length=20, choices=Algorithm.choices, default=Algorithm.DAWID_SKENE)
    threshold = models.FloatField(default=0.5)
    # The last fitted Dawid & Skene model, for each new vote's posterior: {"prior": p, "confusion":
    # {annotator id: [[P(no|invalid), P(maybe|invalid), P(yes|invalid)], [... | valid]]}, "pooled": [...]}.
    model = models.JSONField(default=dict, blank=True)
    votes_since_fit = models.PositiveIntegerField(default=0)
    refit_every = models.PositiveIntegerField(default=50, help_text="Refit the consensus every this many votes.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["year", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(min_votes__gte=3) & Q(max_votes__gte=models.F("min_votes")),
                                   name="verification_votes_range"),
        ]

    def __str__(self):
        return f"{self.year.slug}: {self.title}"


class AnnotationImage(models.Model):
    """An image of a task, in private storage: the file as uploaded and the renditions served
    (resized with Pillow), never by a public URL."""

    task = models.ForeignKey(VerificationTask, on_delete=models.CASCADE, related_name="images")
    name = models.CharField(max_length=255)
    # The image of the task's split it shows (1-based), when known: teams' reports on that image use it.
    image_index = models.PositiveIntegerField(null=True, blank=True)
    key = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    display_key = models.CharField(max_length=300)
    thumb_key = models.CharField(max_length=300)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "name"], name="annotation_image_once")]


class LabelReport(models.Model):
    """A team's report that a validation image's label looks wrong, with the labels it proposes."""

    split = models.ForeignKey("competition.Split", on_delete=models.CASCADE, related_name="label_reports")
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="label_reports")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    image_index = models.PositiveIntegerField()
    proposed = models.JSONField(default=list)  # class ids of the year's class set
    note = models.TextField(blank=True)
    task = models.ForeignKey(VerificationTask, on_delete=models.CASCADE, related_name="reports")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]


class Question(models.Model):
    """Is `synset` a valid label of this image? The image is a task's file, or for imported votes
    only named by its index in the split. Gold questions carry their known answer and are served
    unseen among the others. `n_votes` counts the votes that count (annotators not stopped),
    `n_pending` the assignments not answered yet, `wanted` the votes it wants in all for now;
    `needs_votes` and `posterior` follow each vote (see services)."""

    class Source(models.TextChoices):
        ORGANIZER = "organizer", "Uploaded by organizers"
        REPORT = "report", "A team's report"
        IMPORT = "import", "Imported votes"
        DEMO = "demo", "Demo"

    task = models.ForeignKey(VerificationTask, on_delete=models.CASCADE, related_name="questions")
    synset = models.ForeignKey("competition.Synset", on_delete=models.PROTECT, related_name="+")
    image = models.ForeignKey(AnnotationImage, on_delete=models.SET_NULL, null=True, blank=True, related_name="questions")
    image_index = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    is_gold = models.BooleanField(default=False)
    gold_valid = models.BooleanField(null=True, blank=True)
    report = models.ForeignKey(LabelReport, on_delete=models.SET_NULL, null=True, blank=True, related_name="questions")
    n_votes = models.PositiveSmallIntegerField(default=0)
    n_pending = models.PositiveSmallIntegerField(default=0)
    wanted = models.PositiveSmallIntegerField(default=0)
    needs_votes = models.BooleanField(default=True)
    posterior = models.FloatField(default=0.5)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["task", "pk"]
        indexes = [models.Index(fields=["task", "needs_votes", "n_votes"], name="annotation_open_questions")]
        constraints = [
            models.CheckConstraint(condition=Q(is_gold=False) | Q(gold_valid__isnull=False), name="gold_has_answer"),
        ]

    def __str__(self):
        return f"question {self.pk}: {self.synset.wnid} on image {self.image_index or self.image_id}"


class Assignment(models.Model):
    """A question given to an annotator: the image is served to them only while it exists."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="assignments", db_index=False)
    annotator = models.ForeignKey(Annotator, on_delete=models.CASCADE, related_name="assignments")
    assigned_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["question", "annotator"], name="assignment_once")]
        indexes = [models.Index(fields=["annotator", "answered_at"], name="annotation_open_assignments")]


class Vote(models.Model):
    """One answer: no (0), maybe (1) or yes (2)."""

    ANSWERS = [(i, name) for i, name in enumerate(ANSWER_NAMES)]

    task = models.ForeignKey(VerificationTask, on_delete=models.CASCADE, related_name="votes")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="votes", db_index=False)
    annotator = models.ForeignKey(Annotator, on_delete=models.CASCADE, related_name="votes")
    answer = models.PositiveSmallIntegerField(choices=ANSWERS)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["question", "annotator"], name="vote_once")]


class Standing(models.Model):
    """An annotator's estimated accuracy on a task (from gold questions and agreement), and
    whether they were stopped: below the task's bar they receive no more questions and their
    votes stop counting."""

    task = models.ForeignKey(VerificationTask, on_delete=models.CASCADE, related_name="standings")
    annotator = models.ForeignKey(Annotator, on_delete=models.CASCADE, related_name="standings")
    answers = models.PositiveIntegerField(default=0)
    gold_answers = models.PositiveIntegerField(default=0)
    gold_accuracy = models.FloatField(null=True, blank=True)
    accuracy = models.FloatField(default=0.75)
    stopped = models.BooleanField(default=False)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "annotator"], name="standing_once")]


class Aggregation(models.Model):
    """The posteriors of a task's questions by one algorithm, from the votes that counted then:
    `question_ids` (int64, ascending) and `posteriors` (float64), parallel, as bytes; with the
    digest of those votes (`votes_sha256`), so a publication names exactly what it rests on."""

    task = models.ForeignKey(VerificationTask, on_delete=models.CASCADE, related_name="aggregations")
    algorithm = models.CharField(max_length=20, choices=[(a, a) for a in ALGORITHMS])
    question_ids = models.BinaryField()
    posteriors = models.BinaryField()
    n_votes = models.PositiveIntegerField()
    n_questions = models.PositiveIntegerField()
    n_annotators = models.PositiveIntegerField()
    n_stopped = models.PositiveIntegerField(default=0)
    votes_sha256 = models.CharField(max_length=64)
    seconds = models.FloatField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]


class Publication(models.Model):
    """An aggregation published as a revision of its task's split: the ground-truth version it
    made, with its provenance (votes, annotators, algorithm, threshold)."""

    task = models.ForeignKey(VerificationTask, on_delete=models.CASCADE, related_name="publications")
    aggregation = models.ForeignKey(Aggregation, on_delete=models.PROTECT, related_name="publications")
    ground_truth = models.ForeignKey("competition.GroundTruth", on_delete=models.PROTECT, related_name="+")
    threshold = models.FloatField()
    images_revised = models.PositiveIntegerField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_at"]
