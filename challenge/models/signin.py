"""Failed sign-in attempts, counted per username and address to throttle password guessing."""

from django.db import models
from django.utils import timezone


class SignInFailure(models.Model):
    # In the database rather than the per-process cache, so that the limit holds across
    # every gunicorn worker and host.
    username = models.CharField(max_length=150)
    address = models.GenericIPAddressField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["username", "address", "at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} from {self.address}"
