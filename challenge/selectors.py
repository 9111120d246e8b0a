"""Reads that build the challenge pages."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from challenge.models import ChallengeYear, Membership, Split, Task, Team


def visible_years(*, user):
    return ChallengeYear.objects.visible_to(user).select_related("class_set")


def year_for_viewer(*, slug: str, user) -> ChallengeYear:
    """The year, if this viewer may see it (drafts only for organizers); 404 otherwise."""
    return get_object_or_404(visible_years(user=user), slug=slug)


def tasks_with_splits(*, year: ChallengeYear):
    splits = Split.objects.order_by("-name")
    return year.tasks.prefetch_related(Prefetch("splits", queryset=splits))


def team_of(*, user, year: ChallengeYear) -> Team | None:
    if not user.is_authenticated:
        return None
    membership = Membership.objects.filter(user=user, year=year).select_related("team").first()
    return membership.team if membership else None


def split_of(*, year: ChallengeYear, task_slug: str, split_name: str) -> Split:
    return get_object_or_404(Split, task__year=year, task__slug=task_slug, name=split_name)


def task_of(*, year: ChallengeYear, task_slug: str) -> Task:
    return get_object_or_404(Task, year=year, slug=task_slug)
