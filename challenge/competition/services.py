"""Writes that set up challenge years: class sets and their import, years, tasks and splits, and
their public subsets. A change to what boards show goes through the boards' one door (mark_dirty)."""

import tempfile
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from challenge.audit.services import audit_changes, record_audit
from challenge.competition.devkit import is_a_cycle, read_class_set_folder, read_synsets_tsv
from challenge.competition.models import ChallengeYear, ClassSet, DeadlineChange, Split, Synset, Task, new_subset_seed
from challenge.datafiles.models import DataFile
from submissions.leaderboards.services import mark_dirty

SHIPPED_ILSVRC2012 = Path(__file__).resolve().parents[1] / "data" / "ilsvrc2012"
SHIPPED_DET_CLASSES = Path(__file__).resolve().parents[1] / "data" / "ilsvrc_det"


@transaction.atomic
def store_class_set(
    *, slug: str, name: str, rows: list[dict], edges: list[tuple[int, int]], n_classes: int | None = None,
    source: str = "",
) -> ClassSet:
    """Create or refresh a class set from synset rows (Synset field values) and (parent, child) ids.

    Idempotent. Raises ValueError when an edge names an unknown synset, the is-a edges form a
    cycle (the message names it), ids or WNIDs repeat, or the leaves are not numbered 1..n.
    """
    ids = [r["ilsvrc_id"] for r in rows]
    if len(set(ids)) != len(ids) or len({r["wnid"] for r in rows}) != len(rows):
        raise ValueError("synset ids and WNIDs must be unique")
    if cycle := is_a_cycle(edges):
        wnids = {r["ilsvrc_id"]: r["wnid"] for r in rows}
        named = " → ".join(f"{wnids.get(i, '?')} ({i})" for i in cycle)
        raise ValueError(f"the is-a edges form a cycle: {named} (each is the parent of the next); a class "
                         "hierarchy must be a DAG")
    leaves = sorted(r["ilsvrc_id"] for r in rows if r["is_leaf"])
    if leaves != list(range(1, len(leaves) + 1)):
        raise ValueError("leaf classes must carry the ids 1..n")
    class_set, _ = ClassSet.objects.update_or_create(
        slug=slug, defaults={"name": name, "n_classes": n_classes or len(leaves), "source": source,
                             "imported_at": timezone.now()}
    )
    existing = {s.ilsvrc_id: s for s in class_set.synsets.all()}
    to_create, to_update = [], []
    for values in rows:
        values = dict(values)
        ilsvrc_id = values.pop("ilsvrc_id")
        if ilsvrc_id in existing:
            synset = existing[ilsvrc_id]
            # Only rows that changed: an update of every row of a 30,000-synset set takes minutes.
            if any(getattr(synset, field) != value for field, value in values.items()):
                for field, value in values.items():
                    setattr(synset, field, value)
                to_update.append(synset)
        else:
            to_create.append(Synset(class_set=class_set, ilsvrc_id=ilsvrc_id, **values))
    wanted = set(ids)
    for chunk in _chunks([s.pk for i, s in existing.items() if i not in wanted]):
        Synset.objects.filter(pk__in=chunk).delete()
    Synset.objects.bulk_create(to_create, batch_size=1000)
    fields = ["wnid", "words", "gloss", "is_leaf", "wordnet_height", "num_train_images"]
    Synset.objects.bulk_update(to_update, fields, batch_size=1000)

    pk_by_id = dict(class_set.synsets.values_list("ilsvrc_id", "pk"))
    unknown = {i for edge in edges for i in edge if i not in pk_by_id}
    if unknown:
        raise ValueError(f"is-a edges name unknown synset ids: {sorted(unknown)[:10]}")
    Edge = Synset.parents.through
    # By id list, not through a join: right after a TRUNCATE (every transactional test ends
    # with one) PostgreSQL's statistics say these tables are empty, and the join's plan turns
    # into nested loops over millions of pairs that run for many minutes.
    for chunk in _chunks(list(pk_by_id.values())):
        Edge.objects.filter(from_synset_id__in=chunk).delete()
    Edge.objects.bulk_create(
        [Edge(from_synset_id=pk_by_id[child], to_synset_id=pk_by_id[parent]) for parent, child in edges],
        batch_size=2000,
    )
    return class_set


def _chunks(values: list, size: int = 900) -> list[list]:
    # A class set of ImageNet's size has ~30,000 synsets: one IN list that long passes SQLite's
    # limit on query parameters.
    return [values[i:i + size] for i in range(0, len(values), size)]


def import_devkit(*, path: Path, slug: str, name: str) -> ClassSet:
    """Import a class set from a devkit folder (see challenge.competition.devkit.read_class_set_folder for
    what it may hold: a meta.mat, or a synsets TSV with its is-a edges). Idempotent.

    Raises ValueError when the folder holds none of them or they are malformed.
    """
    files = read_class_set_folder(path)
    return store_class_set(slug=slug, name=name, rows=files.rows, edges=files.edges, source=files.source)


def import_class_set_upload(*, user, slug: str, name: str, files: dict[str, bytes]) -> ClassSet:
    """Import a class set from uploaded devkit files ({"meta.mat": ...} or {"synsets.tsv": ...,
    "is_a_edges.tsv": ...}), as import_devkit does from a folder, and audit it.

    Raises ValueError when the files are malformed (nothing is stored then).
    """
    with tempfile.TemporaryDirectory(prefix="class-set-") as folder:
        for filename, data in files.items():
            # Only these two fixed names are written: the uploader's file names never become paths.
            if filename not in ("meta.mat", "synsets.tsv", "is_a_edges.tsv"):
                raise ValueError(f"unexpected class-set file {filename!r}")
            (Path(folder) / filename).write_bytes(data)
        with transaction.atomic():
            class_set = import_devkit(path=Path(folder), slug=slug, name=name)
            record_audit(actor=user, action="classset.import", target=slug, n_classes=class_set.n_classes,
                         synsets=class_set.synsets.count(), files=sorted(files))
    return class_set


def import_ilsvrc2012() -> ClassSet:
    # The shipped TSVs (derived from the shipped meta.mat) read faster than the .mat itself.
    rows, edges = read_synsets_tsv((SHIPPED_ILSVRC2012 / "synsets_1860.tsv").read_bytes(),
                                   (SHIPPED_ILSVRC2012 / "is_a_edges.tsv").read_bytes(), name="synsets_1860.tsv")
    return store_class_set(
        slug="ilsvrc2012", name="ILSVRC2012 (1000 classes)", rows=rows, edges=edges,
        source="ILSVRC2012_devkit_t12.tar.gz data/meta.mat (MD5 fa75699e90414af021442c21a62c3abf)",
    )


def import_ilsvrc_det() -> ClassSet:
    """The 200 ILSVRC detection classes (shipped, see their PROVENANCE.md), imported once."""
    return (ClassSet.objects.filter(slug="ilsvrc-det").first()
            or import_devkit(path=SHIPPED_DET_CLASSES, slug="ilsvrc-det", name="ILSVRC detection (200 classes)"))


# ---- Organizer actions on years, tasks, teams and hosted data. Each one is audited. ----

YEAR_FIELDS = [
    "slug", "title", "description", "rules", "terms_of_access", "class_set", "status", "is_historical",
    "opens_at", "deadline", "results_at", "leaderboard_rows", "excluded_display",
]
TASK_FIELDS = ["slug", "title", "kind", "class_set", "description", "position"]
SPLIT_FIELDS = [
    "n_images", "labels_public", "quota_per_window", "quota_window_days", "quota_total", "visibility",
    "public_subset_fraction", "max_final_entries", "post_challenge",
]


@transaction.atomic
def create_year(*, user, data: dict) -> ChallengeYear:
    """Create a challenge year from validated form data (YEAR_FIELDS) and audit it."""
    year = ChallengeYear.objects.create(**{f: data[f] for f in YEAR_FIELDS if f in data})
    if year.deadline:
        DeadlineChange.objects.create(year=year, new_deadline=year.deadline, reason="Initial deadline", changed_by=user)
    record_audit(actor=user, action="year.create", target=year.slug, year=year, obj=year, status=year.status)
    return year


@transaction.atomic
def update_year(*, user, year: ChallengeYear, data: dict, deadline_reason: str = "") -> ChallengeYear:
    """Apply validated form data to a year; a changed deadline is kept in DeadlineChange."""
    year = ChallengeYear.objects.select_for_update().get(pk=year.pk)
    old_deadline = year.deadline
    changed = [f for f in YEAR_FIELDS if f in data and getattr(year, f) != data[f]]
    changes = audit_changes(before={f: getattr(year, f) for f in changed}, after={f: data[f] for f in changed})
    for field in changed:
        setattr(year, field, data[field])
    year.save()
    if "deadline" in changed:
        DeadlineChange.objects.create(
            year=year, old_deadline=old_deadline, new_deadline=year.deadline, reason=deadline_reason, changed_by=user
        )
    record_audit(actor=user, action="year.update", target=year.slug, year=year, obj=year, fields=changed,
                 changes=changes, deadline_reason=deadline_reason if "deadline" in changed else "")
    if set(changed) & RANKING_YEAR_FIELDS:
        _announce_ranking_change(list(Split.objects.filter(task__year=year)))
    return year


# Year settings the materialized leaderboards depend on.
RANKING_YEAR_FIELDS = {"leaderboard_rows", "excluded_display", "results_at", "status", "is_historical"}


def _announce_ranking_change(splits: list[Split]) -> None:
    # After the commit, so that the rebuild reads the new settings; through the boards' one door,
    # at once, so that the organizer sees the change on the next page.
    transaction.on_commit(lambda: mark_dirty(splits=splits, now=True))


@transaction.atomic
def save_task(*, user, year: ChallengeYear, task: Task | None = None, task_data: dict,
              split_data: dict[str, dict]) -> Task:
    """Create or edit a task and its splits ("val", "test") from validated form data.

    A split whose data is missing is left as it is (or not created). Splits are never
    deleted here: their submissions and scores must stay.
    """
    values = {f: task_data[f] for f in TASK_FIELDS if f in task_data}
    before = {f: getattr(task, f) for f in TASK_FIELDS} if task else {}
    stored_splits = {s.name: s for s in task.splits.all()} if task else {}
    if task is None:
        task = Task.objects.create(year=year, **values)
        action = "task.create"
    else:
        Task.objects.filter(pk=task.pk).update(**values)
        task.refresh_from_db()
        action = "task.update"
    changes = audit_changes(before=before, after=values)
    for name, data in split_data.items():
        split_values = {f: data[f] for f in SPLIT_FIELDS if f in data}
        stored = stored_splits.get(name)
        changes |= audit_changes(before={f: getattr(stored, f) for f in SPLIT_FIELDS} if stored else {},
                                 after=split_values, prefix=f"{name}.")
        Split.objects.update_or_create(task=task, name=name, defaults=split_values)
    record_audit(actor=user, action=action, target=str(task), year=year, obj=task, kind=task.kind, changes=changes)
    # The year's pages keep what they list of its tasks until the year changes (its updated_at).
    ChallengeYear.objects.filter(pk=year.pk).update(updated_at=timezone.now())
    if action == "task.update":
        _announce_ranking_change(list(task.splits.all()))
    return task


# What a copy of a year takes from it: its settings without its dates (a new year sets its own)
# and its status (a copy starts as a draft).
COPIED_YEAR_FIELDS = ["description", "rules", "terms_of_access", "class_set", "leaderboard_rows", "excluded_display"]
COPIED_DATA_FILE_FIELDS = ["title", "description", "filename", "storage_key", "size", "sha256", "position"]


class YearCopyRefused(Exception):
    """A year cannot be copied under this slug; the message says why."""


@transaction.atomic
def copy_year(*, user, source: ChallengeYear, slug: str, title: str) -> ChallengeYear:
    """A new draft year made from `source`: its settings, rules, terms and class set, its tasks
    and their splits (quotas, visibility, final entries, the post-challenge switch; each split
    a new secret public subset), and its data files' entries with their descriptions (the same
    stored files). Not its dates, teams, entries or ground truth. Audited.

    Raises YearCopyRefused for a slug that is taken (or empty) and for a historical year.
    """
    if source.is_historical:
        raise YearCopyRefused("A historical year holds published results only; it has no setup to copy.")
    if not slug or ChallengeYear.objects.filter(slug=slug).exists():
        raise YearCopyRefused(f"The slug {slug!r} is taken; choose another.")
    year = ChallengeYear.objects.create(slug=slug, title=title, status=ChallengeYear.Status.DRAFT,
                                        **{f: getattr(source, f) for f in COPIED_YEAR_FIELDS})
    tasks = splits = 0
    for task in source.tasks.prefetch_related("splits"):
        copy = Task.objects.create(year=year, **{f: getattr(task, f) for f in TASK_FIELDS})
        tasks += 1
        for split in task.splits.all():
            Split.objects.create(task=copy, name=split.name, **{f: getattr(split, f) for f in SPLIT_FIELDS})
            splits += 1
    files = [DataFile(year=year, created_by=user, **{f: getattr(data_file, f) for f in COPIED_DATA_FILE_FIELDS})
             for data_file in source.data_files.all()]
    DataFile.objects.bulk_create(files)
    record_audit(actor=user, action="year.copy", target=year.slug, year=year, obj=year, source=source.slug,
                 tasks=tasks, splits=splits, data_files=len(files))
    return year


@transaction.atomic
def draw_public_subset(*, user, split: Split) -> Split:
    """Give the split a new secret public subset (a new seed from `secrets`), audited without the
    seed, and rebuild its boards after the commit. For when the subset may have leaked."""
    split.public_subset_seed = new_subset_seed()
    split.save(update_fields=["public_subset_seed"])
    record_audit(actor=user, action="split.new_subset", target=str(split), year=split.task.year,
                 fraction=split.public_subset_fraction)
    _announce_ranking_change([split])
    return split


