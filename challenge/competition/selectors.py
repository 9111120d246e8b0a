"""Reads that build the pages of years, tasks, splits and class sets (public and organizers')."""

from dataclasses import dataclass

from django.db.models import Count, Min, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.urls import reverse

from challenge import policy
from challenge.competition.models import ChallengeYear, ClassRevision, ClassSet, GroundTruth, Split, Task
from challenge.datafiles.models import DataFile


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
    current = {gt.split_id: gt for gt in GroundTruth.objects.filter(split__in=splits, is_current=True)
               .select_related("class_revision")}  # its commitment names the class revision
    for split in splits:
        split.ground_truth = current.get(split.pk)
    return splits


def secret_ground_truth_with(*, sha256: str) -> tuple[GroundTruth, str] | None:
    """A version of hidden ground truth (any split, any version) one of whose files (labels, boxes,
    blacklist) has this SHA-256, with that file's name; None when no hidden file has it."""
    if not sha256:
        return None
    match = Q(labels_sha256=sha256) | Q(boxes_sha256=sha256) | Q(blacklist_sha256=sha256)
    version = (GroundTruth.objects.filter(policy.secret_ground_truth()).filter(match)
               .select_related("split__task__year").first())
    if version is None:
        return None
    part = next(name for name in ("labels", "boxes", "blacklist") if getattr(version, f"{name}_sha256") == sha256)
    return version, part


def test_commitments(*, year: ChallengeYear) -> list[GroundTruth]:
    """The public SHA-256 commitments of a published year's test ground truth (none for drafts)."""
    if not year.is_published():
        return []
    return list(
        GroundTruth.objects.filter(split__task__year=year, split__name=Split.Name.TEST, is_current=True)
        .select_related("split__task", "class_revision").order_by("split__task__position", "split__task__slug")
    )


def class_sets_with_counts():
    """Every class set with its number of synsets and of years using it (organizer page)."""
    return ClassSet.objects.annotate(n_synsets=Count("synsets", distinct=True), n_years=Count("years", distinct=True))


# ---- Revisions ----

def current_class_revision(year: ChallengeYear) -> ClassRevision | None:
    """The year's class revision in force (its latest), or None."""
    return year.class_revisions.order_by("-created_at", "-id").first()


def revisions_of(*, year: ChallengeYear) -> dict:
    """What a year's page says of its revisions, oldest first: `classes` (the class revisions,
    each with its newly retired synsets, WNID and words), `labels` (the current ground-truth
    versions that revise their split's labels, each with its split)."""
    revisions = list(year.class_revisions.order_by("created_at", "id"))
    words = dict(year.class_set.synsets.filter(wnid__in={w for r in revisions for w in r.newly_retired})
                 .values_list("wnid", "words"))
    for revision in revisions:
        revision.retired_synsets = [(w, words.get(w, "")) for w in revision.newly_retired]
    labels = list(GroundTruth.objects.filter(split__task__year=year, is_current=True).exclude(revised_labels_sha256="")
                  .select_related("split__task").order_by("split__task__position", "split__task__slug", "-split__name"))
    # Dated when the labels were first stored: a later class revision stores them again.
    first = {(split_id, sha): at for split_id, sha, at in
             GroundTruth.objects.filter(split__task__year=year).exclude(revised_labels_sha256="")
             .values_list("split_id", "revised_labels_sha256").order_by().annotate(at=Min("uploaded_at"))}
    for version in labels:
        version.revised_at = first.get((version.split_id, version.revised_labels_sha256), version.uploaded_at)
    return {"classes": revisions, "labels": labels}


def revision_notes(*, years) -> dict[int, list[dict]]:
    """What the history page notes of each year's revisions, oldest first: {year id: [{"at",
    "what", "reason"}]}: each class revision (the classes it retired, its public reason) and each
    split's revised labels in force (their source), dated when those labels were first stored (a
    later class revision stores them again in a new version). Two queries whatever the number
    of years; the year page (revisions_of) lists them in full."""
    ids = [year.pk for year in years]
    notes: dict[int, list[dict]] = {}
    for revision in ClassRevision.objects.filter(year__in=ids).order_by("created_at", "id"):
        n = len(revision.newly_retired)
        notes.setdefault(revision.year_id, []).append(
            {"at": revision.created_at, "what": f"{n} class{'es' if n != 1 else ''} retired", "reason": revision.reason})
    first_stored: dict[tuple[int, str], GroundTruth] = {}
    current = []
    for version in (GroundTruth.objects.filter(split__task__year__in=ids).exclude(revised_labels_sha256="")
                    .select_related("split__task").order_by("uploaded_at", "id")):
        first_stored.setdefault((version.split_id, version.revised_labels_sha256), version)
        if version.is_current:
            current.append(version)
    for version in current:
        first = first_stored[(version.split_id, version.revised_labels_sha256)]
        split = version.split
        notes.setdefault(split.task.year_id, []).append(
            {"at": first.uploaded_at, "what": f"labels of {split.task.title}, {split.get_name_display().lower()} split "
                                              "revised", "reason": version.revision_source})
    for listed in notes.values():
        listed.sort(key=lambda note: note["at"])
    return notes
def client_example(*, teams) -> dict | None:
    """What the command-line client's example is filled in with for a person: the year of their
    team that takes entries now (else any published year that does) and its first task, on its
    validation split. None when no year takes entries."""
    years = [team.year for team in teams] + list(ChallengeYear.objects.published().filter(is_historical=False))
    year = next((y for y in years if policy.year_takes_entries(y)), None)
    task = year.tasks.order_by("position", "slug").first() if year else None
    return {"year": year, "task": task, "split": Split.Name.VAL} if task else None


@dataclass(frozen=True)
class SetupItem:
    """One line of a year's setup checklist: done or not, what, and where to do it."""

    done: bool
    text: str
    link: str = ""


def setup_checklist(*, year: ChallengeYear) -> list[SetupItem]:
    """What a year still needs before teams can take part (the console's checklist): dates, terms
    of access, tasks with their splits, ground truth for every split, data files."""
    missing = [name for name, value in (("opening", year.opens_at), ("deadline", year.deadline),
                                         ("results date", year.results_at)) if not value]
    settings_url = reverse("organize:year-edit", args=[year.slug])
    terms = bool(year.terms_of_access.strip())
    items = [SetupItem(not missing, f"Dates: {', '.join(missing)} not set" if missing
                       else "Dates: opening, deadline and results date", settings_url),
             SetupItem(terms, "Terms of access" if terms else "Terms of access: none yet", settings_url)]
    splits = splits_with_ground_truth(year=year)
    items.append(SetupItem(bool(splits), f"Tasks: {len({s.task_id for s in splits})} with {len(splits)} split"
                                         f"{'s' if len(splits) != 1 else ''}" if splits else "Tasks: none yet",
                           reverse("organize:task-create", args=[year.slug])))
    for split in splits:
        items.append(SetupItem(split.ground_truth is not None, f"Ground truth of {split.task.title}, "
                                                              f"{split.get_name_display()}"
                               + ("" if split.ground_truth else ": missing"),
                               # To the split's row of the overview, whose Upload link is the one way there.
                               reverse("organize:year", args=[year.slug]) + f"#split-{split.pk}"))
    files = DataFile.objects.filter(year=year).count()
    items.append(SetupItem(files > 0, f"Data files: {files}" if files else "Data files: none yet",
                           reverse("organize:data-files", args=[year.slug])))
    return items
