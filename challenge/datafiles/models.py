"""A year's hosted data files and the acceptances of its terms of access. The tables keep the
names they had in the challenge app (db_table): moving the models moved no rows."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

# Hosted data lives under this prefix of private storage; ground truth and submissions never do.
DATA_PREFIX = "data/"


def hosted_key_refusal(storage_key: str) -> str:
    """Why a storage key cannot be a hosted data file's ("" when it can): only keys under
    DATA_PREFIX, with no `..` part or backslash, so that a data file can never name ground truth
    or a team's submission."""
    if not storage_key.startswith(DATA_PREFIX) or ".." in storage_key.split("/") or "\\" in storage_key:
        return f"Only storage keys under {DATA_PREFIX} can be hosted data files."
    return ""


class TermsAcceptance(models.Model):
    """A user's acceptance of a year's terms of access, required before any download."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="terms_acceptances")
    year = models.ForeignKey("competition.ChallengeYear", on_delete=models.CASCADE, related_name="terms_acceptances")
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "challenge_termsacceptance"
        constraints = [models.UniqueConstraint(fields=["user", "year"], name="terms_accepted_once")]


class DataFile(models.Model):
    """A file of a year's hosted data (devkit, image lists, archives), in private storage."""

    year = models.ForeignKey("competition.ChallengeYear", on_delete=models.CASCADE, related_name="data_files")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    filename = models.CharField(max_length=255, help_text="The name a downloader's browser saves.")
    storage_key = models.CharField(max_length=500)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    position = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "challenge_datafile"
        ordering = ["year", "position", "title"]
        constraints = [
            models.UniqueConstraint(fields=["year", "filename"], name="data_file_unique_name"),
            models.CheckConstraint(condition=~Q(storage_key=""), name="data_file_has_key"),
        ]

    def __str__(self):
        return self.filename
