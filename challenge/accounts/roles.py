"""The organizer role: a group with permissions, so that organizers need not be superusers."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.views.decorators.cache import never_cache

# The apps whose every permission an organizer holds.
ORGANIZED_APPS = ["accounts", "audit", "competition", "teams", "datafiles", "notices", "annotation", "submissions",
                  "leaderboards"]


def organizer_group() -> Group:
    """Create (or refresh) the organizer group with every permission of our apps."""
    group, _ = Group.objects.get_or_create(name=settings.ORGANIZER_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=ORGANIZED_APPS))
    return group


def is_organizer(user) -> bool:
    return user.is_authenticated and user.has_perm("competition.change_challengeyear")


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
