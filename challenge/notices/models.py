"""What a year tells its teams: announcements, and the e-mail outbox with each person's opt-outs.
The tables keep the names they had in the challenge app (db_table)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AnnouncementQuerySet(models.QuerySet):
    def posted(self):
        """Posted announcements, newest first; drafts (no posted_at) are the organizers' only."""
        return self.filter(posted_at__isnull=False).order_by("-posted_at", "-id")


class Announcement(models.Model):
    year = models.ForeignKey("competition.ChallengeYear", on_delete=models.CASCADE, related_name="announcements")
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown; raw HTML is removed when shown.")
    # Empty while a draft: posting sets it, shows the announcement and e-mails the teams.
    posted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        db_table = "challenge_announcement"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title

    def is_posted(self) -> bool:
        return self.posted_at is not None


class EmailKind(models.TextChoices):
    """The kinds of e-mail the site sends; each person can stop each kind but the account's own."""

    ANNOUNCEMENT = "announcement", "Announcements of the years your teams take part in"
    SCORING_FAILED = "scoring_failed", "A submission of yours failed to score"
    DEADLINE_REMINDER = "deadline_reminder", "The deadline is 48 hours away and your team has chosen no final entry"
    RESULTS_PUBLISHED = "results_published", "The results of a year you take part in are published"
    GROUND_TRUTH_CHANGED = "ground_truth_changed", "The ground truth your entries were scored on changed"
    INVITATION = "invitation", "Invitations to join a team"
    MODERATION = "moderation", "An entry of your team was disqualified"
    # About the account itself (confirming its address, resetting its password, someone signing up
    # with its address): sent whatever the person chose, as a password reset must be.
    ACCOUNT = "account", "Your account: confirming its address, resetting its password"


# The kinds a person can stop (every kind but the account's own mail).
OPTIONAL_KINDS = [kind for kind in EmailKind.values if kind != EmailKind.ACCOUNT]


class OutgoingEmail(models.Model):
    """One e-mail to one address, queued in the transaction that caused it and sent by the
    score_pending worker; kept afterwards as the record of what was sent."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Not sent: the person opted out"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=20, choices=EmailKind.choices)
    to_address = models.EmailField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    # Mail that must go at most once (a reminder, a result) carries a key; a second queueing is dropped.
    once_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # After a failed attempt the next one waits (the mail server may be down for a while).
    not_before = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "challenge_outgoingemail"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "id"], name="outgoing_email_queue",
                                condition=Q(status="queued"))]

    def __str__(self):
        return f"{self.kind} to {self.to_address} ({self.status})"


class EmailOptOut(models.Model):
    """A person (an address) who asked not to get one kind of e-mail."""

    address = models.EmailField()  # stored lower-case
    kind = models.CharField(max_length=20, choices=EmailKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "challenge_emailoptout"
        constraints = [models.UniqueConstraint(fields=["address", "kind"], name="email_opt_out_once")]

    def __str__(self):
        return f"{self.address} stopped {self.kind}"
