"""The one access check of every organizer page."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.views.decorators.cache import never_cache

from challenge.roles import is_organizer


def organizer_required(view):
    """Anonymous visitors go to the login page; signed-in non-organizers get 403. No answer is
    kept by a cache: organizer pages show hidden scores, subset seeds and the audit log."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_organizer(request.user):
            raise PermissionDenied("Organizers only.")
        return view(request, *args, **kwargs)

    return never_cache(guarded)
