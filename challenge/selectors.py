"""Reads that build the challenge pages."""

from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404

from challenge import policy
from challenge.models import (
    AuditEntry, ChallengeYear, ClassSet, DataFile, GroundTruth, Membership, Split, Task, Team, TermsAcceptance,
)


def visible_years(*, user):
    return ChallengeYear.objects.visible_to(user).select_related("class_set")


def year_for_viewer(*, slug: str, user) -> ChallengeYear:
    """The year, if this viewer may see it (drafts only for organizers); 404 otherwise."""
    return get_object_or_404(visible_years(user=user), slug=slug)


def tasks_with_splits(*, year: ChallengeYear):
    splits = Split.objects.order_by("-name")
    return year.tasks.prefetch_related(Prefetch("splits", queryset=splits))


def years_open_first(years) -> list[ChallengeYear]:
    """Years as the home page lists them: open ones first, then upcoming, then the others (newest first)."""
    order = {"open": 0, "upcoming": 1}
    return sorted(years, key=lambda year: order.get(policy.phase(year), 2))


def teams_by_year(*, user) -> dict[int, Team]:
    """The viewer's team in each year, by year id (none for anonymous visitors)."""
    if not user.is_authenticated:
        return {}
    return {m.year_id: m.team for m in Membership.objects.filter(user=user).select_related("team")}


def team_of(*, user, year: ChallengeYear) -> Team | None:
    if not user.is_authenticated:
        return None
    membership = Membership.objects.filter(user=user, year=year).select_related("team").first()
    return membership.team if membership else None


def split_of(*, year: ChallengeYear, task_slug: str, split_name: str) -> Split:
    return get_object_or_404(Split, task__year=year, task__slug=task_slug, name=split_name)


def task_of(*, year: ChallengeYear, task_slug: str) -> Task:
    return get_object_or_404(Task, year=year, slug=task_slug)


# ---- Organizer pages ----

def organizer_years():
    return ChallengeYear.objects.select_related("class_set").prefetch_related("tasks").order_by("-created_at")


def year_for_organizer(*, slug: str) -> ChallengeYear:
    return get_object_or_404(ChallengeYear.objects.select_related("class_set"), slug=slug)


def splits_with_ground_truth(*, year: ChallengeYear) -> list[Split]:
    """Every split of the year, each with `ground_truth` set to its current version (or None)."""
    splits = list(Split.objects.filter(task__year=year).select_related("task").order_by("task__position", "task__slug", "-name"))
    current = {gt.split_id: gt for gt in GroundTruth.objects.filter(split__in=splits, is_current=True)}
    for split in splits:
        split.ground_truth = current.get(split.pk)
    return splits


def audit_entries(*, year: ChallengeYear | None = None, kind: str = "", person=None):
    """Audit records, newest first; `kind` is the part of the action before the dot ("year", "entry")."""
    entries = AuditEntry.objects.select_related("actor", "year")
    entries = entries.filter(year=year) if year else entries
    entries = entries.filter(action__startswith=f"{kind}.") if kind else entries
    return entries.filter(actor=person) if person else entries


def test_commitments(*, year: ChallengeYear) -> list[GroundTruth]:
    """The public SHA-256 commitments of a published year's test ground truth (none for drafts)."""
    if not year.is_published():
        return []
    return list(
        GroundTruth.objects.filter(split__task__year=year, split__name=Split.Name.TEST, is_current=True)
        .select_related("split__task").order_by("split__task__position", "split__task__slug")
    )


def data_files_of(*, year: ChallengeYear):
    return year.data_files.all()


def has_accepted_terms(*, user, year: ChallengeYear) -> bool:
    """Whether this viewer accepted the year's terms of access (anonymous visitors never have)."""
    return user.is_authenticated and TermsAcceptance.objects.filter(user=user, year=year).exists()


def data_file_of(*, year: ChallengeYear, pk: int) -> DataFile:
    return get_object_or_404(DataFile, year=year, pk=pk)


def teams_of(*, year: ChallengeYear):
    return year.teams.prefetch_related("memberships__user", "quota_adjustments__split__task")


def class_sets_with_counts():
    """Every class set with its number of synsets and of years using it (organizer page)."""
    return ClassSet.objects.annotate(n_synsets=Count("synsets", distinct=True), n_years=Count("years", distinct=True))
