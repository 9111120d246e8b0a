"""Sign-in with a brake: after repeated failures for one username from one address, wait.

Mounted in config/urls.py at /accounts/login/ (name "login") ahead of django.contrib.auth's
own URLs. Failures are rows in the database, so the limit holds across workers and hosts.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import LoginView
from django.utils import timezone

from challenge.models import SignInFailure


def _limits() -> tuple[int, int]:
    return settings.SIGNIN_MAX_FAILURES, settings.SIGNIN_LOCKOUT_SECONDS


def _key(request) -> tuple[str, str]:
    # REMOTE_ADDR, not X-Forwarded-For: a client can write the header; the proxy cannot be fooled.
    return request.POST.get("username", "")[:150].strip().lower(), request.META.get("REMOTE_ADDR") or "0.0.0.0"


def recent_failures(*, username: str, address: str) -> int:
    _, seconds = _limits()
    since = timezone.now() - timedelta(seconds=seconds)
    return SignInFailure.objects.filter(username=username, address=address, at__gte=since).count()


class ThrottledLoginView(LoginView):
    """Django's login view; refuses with 429 (without checking the password) once the
    username has failed SIGNIN_MAX_FAILURES times from this address in SIGNIN_LOCKOUT_SECONDS."""

    def post(self, request, *args, **kwargs):
        username, address = _key(request)
        limit, seconds = _limits()
        if recent_failures(username=username, address=address) >= limit:
            minutes = max(1, seconds // 60)
            messages.error(request, f"Too many failed sign-ins for this username. Please wait {minutes} minutes "
                                    f"and try again, or reset your password.")
            context = self.get_context_data(form=self.get_form_class()(request))
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        username, address = _key(self.request)
        SignInFailure.objects.create(username=username, address=address)
        return super().form_invalid(form)

    def form_valid(self, form):
        username, address = _key(self.request)
        SignInFailure.objects.filter(username=username, address=address).delete()
        return super().form_valid(form)
