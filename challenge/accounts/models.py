"""Failed sign-in attempts (counted per username and per address to brake password guessing),
rate counts, the password each API token was issued under, addresses waiting to be confirmed, and
where each account signed up from. The first two tables keep the names they had in the challenge
app (db_table)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class SignInFailure(models.Model):
    # In the database rather than the per-process cache, so that the limit holds across
    # every gunicorn worker and host (see challenge.accounts.signin).
    username = models.CharField(max_length=150)
    address = models.GenericIPAddressField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "challenge_signinfailure"
        indexes = [
            models.Index(fields=["username", "at"], name="signin_failure_username"),
            models.Index(fields=["address", "at"], name="signin_failure_address"),
            models.Index(fields=["at"], name="signin_failure_at"),  # purging old rows
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} from {self.address}"


class RateCount(models.Model):
    # One row per key: its current window and how many events it has counted. Incremented in
    # one statement (see challenge.accounts.rates), so simultaneous requests on any host cannot both
    # read the same count.
    key = models.CharField(max_length=200, unique=True)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "challenge_ratecount"
        indexes = [models.Index(fields=["window_start"], name="rate_count_window")]  # purging old rows

    def __str__(self):
        return f"{self.key}: {self.count} since {self.window_start:%Y-%m-%d %H:%M:%S}"


class SignUpAddress(models.Model):
    """The client address an account signed up from: organizers look for many accounts made from
    one address (the multiple-account signals). Seen by organizers only."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_up_address")
    address = models.GenericIPAddressField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["address"], name="sign_up_address")]

    def __str__(self):
        return f"{self.user} from {self.address}"


class TokenBinding(models.Model):
    """The password an API token was issued under: a fingerprint of the account's password hash
    at the time (challenge.accounts.tokens). When the password changes, by whatever way, the hash
    changes and the token stops working."""

    token = models.OneToOneField("authtoken.Token", on_delete=models.CASCADE, primary_key=True, related_name="binding")
    password_fingerprint = models.CharField(max_length=64)

    def __str__(self):
        return f"token of {self.token.user_id} bound to {self.password_fingerprint[:8]}…"


class EmailConfirmation(models.Model):
    """An address someone gave when signing up through the site's form, to be confirmed (a signed
    link mailed to it) before they may submit. Accounts without a row (made by organizers, the
    admin, commands or the shell, or before confirmation existed) count as confirmed."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_confirmation")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user} {'confirmed' if self.confirmed_at else 'not confirmed yet'}"
