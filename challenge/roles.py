"""The organizer role: a group with permissions, so that organizers need not be superusers."""

from django.contrib.auth.models import Group, Permission
from django.conf import settings


def organizer_group() -> Group:
    """Create (or refresh) the organizer group with every permission of our apps."""
    group, _ = Group.objects.get_or_create(name=settings.ORGANIZER_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=["challenge", "submissions", "leaderboards"]))
    return group


def is_organizer(user) -> bool:
    return user.is_authenticated and user.has_perm("challenge.change_challengeyear")
