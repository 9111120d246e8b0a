"""Failed sign-in attempts, counted per username and per address to brake password guessing."""

from django.db import models
from django.utils import timezone


class SignInFailure(models.Model):
    # In the database rather than the per-process cache, so that the limit holds across
    # every gunicorn worker and host (see challenge.signin).
    username = models.CharField(max_length=150)
    address = models.GenericIPAddressField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["username", "at"], name="signin_failure_username"),
            models.Index(fields=["address", "at"], name="signin_failure_address"),
            models.Index(fields=["at"], name="signin_failure_at"),  # purging old rows
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} from {self.address}"
