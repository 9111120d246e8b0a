"""One brake on password guessing, for every way to sign in.

`BrakedModelBackend` is the site's only authentication backend (AUTHENTICATION_BACKENDS), so
every view that calls django.contrib.auth.authenticate(request, ...) passes it: the sign-in page,
the admin login, the API's token endpoint and any later one. The old-password field of the
password-change forms (the site's and the admin's) goes through the same brake (`braked_check`). Failed attempts are rows in the
database (SignInFailure), so the limit holds across every worker and host: at most
SIGNIN_MAX_FAILURES per username (from any address) and SIGNIN_MAX_ADDRESS_FAILURES per client
address (for any username) within SIGNIN_LOCKOUT_SECONDS. Once either is used up, the backend
refuses without checking the password (and without writing a row) and leaves a `Refusal` on the
request so that the view can answer 429; a right password clears the username's count. The
client address follows config.network.client_address (X-Forwarded-For only from
trusted proxies).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.views import LoginView
from django.db.models import Count, Min, Q
from django.utils import timezone

from challenge.accounts import tokens
from challenge.accounts.models import SignInFailure
from config.network import client_address

Checked = TypeVar("Checked")


@dataclass(frozen=True)
class Refusal:
    """A sign-in refused by the brake: when to try again."""

    retry_after: int  # seconds

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.retry_after / 60))
        return (f"Too many failed sign-ins for this username or from your address. Please wait {minutes} "
                f"minute{'s' if minutes != 1 else ''} and try again, or reset your password.")


def _username(value) -> str:
    return str(value).strip().lower()[:150]


def refusal_of(request) -> Refusal | None:
    """The brake's refusal of the last sign-in attempt made with this request, if it refused."""
    return getattr(request, "signin_refusal", None)


def forget_failures(*, username: str) -> None:
    """Lift the brake on a username (its password was just set by someone who proved the account)."""
    SignInFailure.objects.filter(username=_username(username)).delete()


def braked_check(*, request, username, check: Callable[[], Checked | None]) -> Checked | None:
    """Run a password check for `username` behind the brake: `check` returns what the right
    password gives (a user), or None. Refused without running `check` once the username or the
    client address has used up its attempts (the Refusal is left on the request: refusal_of); a
    wrong password counts a failure; a right one clears the username's count."""
    name, address = _username(username), client_address(request)
    refusal = _refusal(username=name, address=address, now=timezone.now(), including_this_attempt=False)
    if refusal is None:
        # Written before it is counted again, so that simultaneous guesses in several workers
        # see each other: at most the limit of passwords is checked per window, and once it
        # is reached the brake holds. The row stays unless the password turns out right.
        attempt = SignInFailure.objects.create(username=name, address=address)
        refusal = _refusal(username=name, address=address, now=attempt.at, including_this_attempt=True)
    if refusal is not None:
        request.signin_refusal = refusal
        return None
    checked = check()
    if checked is None:
        SignInFailure.objects.filter(at__lt=attempt.at - _window()).delete()  # keeps the table small
        return None
    forget_failures(username=name)
    return checked


class BrakedModelBackend(ModelBackend):
    """Django's ModelBackend behind the brake. A call without a request (a shell, a test client's
    login) is no sign-in from outside and is not braked."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        username = username if username is not None else kwargs.get(get_user_model().USERNAME_FIELD)
        if request is None or username is None or password is None:
            return super().authenticate(request, username=username, password=password, **kwargs)
        return braked_check(request=request, username=username,
                            check=lambda: self._authenticate_keeping_tokens(request, username, password, **kwargs))

    def _authenticate_keeping_tokens(self, request, username, password, **kwargs):
        # A right password may be hashed anew (a hasher's upgrade); it did not change, so the
        # account's API tokens follow the new hash.
        previous_hash = tokens.stored_hash(username)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            tokens.follow_new_hash(user=user, previous_hash=previous_hash)
        return user


def _window() -> timedelta:
    return timedelta(seconds=settings.SIGNIN_LOCKOUT_SECONDS)


def _refusal(*, username: str, address: str, now, including_this_attempt: bool) -> Refusal | None:
    """A Refusal when the username or the address has used up its attempts in the window (the
    counts include this attempt's own row once it is written)."""
    by_username, by_address = Q(username=username), Q(address=address)
    counts = SignInFailure.objects.filter(by_username | by_address, at__gt=now - _window()).aggregate(
        n_username=Count("pk", filter=by_username), n_address=Count("pk", filter=by_address),
        since_username=Min("at", filter=by_username), since_address=Min("at", filter=by_address))
    over = [counts[f"since_{key}"] for key, limit in (("username", settings.SIGNIN_MAX_FAILURES),
                                                       ("address", settings.SIGNIN_MAX_ADDRESS_FAILURES))
            if counts[f"n_{key}"] >= limit + (1 if including_this_attempt else 0)]
    if not over:
        return None
    # When the oldest failure counted leaves the window, an attempt is checked again.
    return Refusal(retry_after=max(1, math.ceil((max(over) + _window() - now).total_seconds())))


class ThrottledLoginView(LoginView):
    """Django's login view, answering 429 with the brake's message when the brake refused."""

    def form_invalid(self, form):
        refusal = refusal_of(self.request)
        if refusal is None:
            return super().form_invalid(form)
        messages.error(self.request, refusal.message)
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(refusal.retry_after)
        return response
