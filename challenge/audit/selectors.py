"""The audit log as people read it: who, when, what (a sentence with a link to the object),
and for changes each field with its old → new value.

Writers call `challenge.audit.services.record_audit`, passing `changes=audit_changes(...)` for edits.
Records written before `changes` and `target_type` existed are shown from what they hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.urls import reverse

from challenge.audit.models import AuditEntry
from challenge.competition.models import ChallengeYear, Split, Task
from challenge.notices.models import Announcement
from challenge.teams.models import Team

# What each action says, after the actor's name.
ACTIONS = {
    "year.create": "created the year",
    "year.update": "changed the settings of",
    "task.create": "created the task",
    "task.update": "changed the task",
    "ground_truth.upload": "uploaded the ground truth of",
    "ground_truth.replace": "replaced the ground truth of",
    "rescoring.start": "started a rescoring of",
    "entry.moderate": "moderated entry",
    "entry.baseline": "set or cleared the baseline flag of entry",
    "split.download_submissions": "downloaded every submission of",
    "team.quota_pool": "pooled the quota of",
    "team.quota_unpool": "gave its own quota back to",
    "year.copy": "made a year as a copy:",
    "team.ban": "banned the team",
    "team.unban": "lifted the ban of the team",
    "team.quota": "adjusted the quota of",
    "datafile.upload": "uploaded the data file",
    "datafile.register": "registered the data file",
    "datafile.remove": "removed the data file",
    "announcement.draft": "drafted the announcement",
    "announcement.post": "posted the announcement",
    "announcement.edit": "edited the announcement",
    "announcement.delete": "deleted the announcement",
    "classset.import": "imported the class set",
}
# The filter's kinds: the part of the action before the dot.
KINDS = {
    "year": "Years", "task": "Tasks and splits", "ground_truth": "Ground truth", "rescoring": "Rescoring",
    "entry": "Entries", "team": "Teams", "datafile": "Data files", "announcement": "Announcements",
    "classset": "Class sets", "split": "Splits",
}


@dataclass
class Record:
    entry: AuditEntry
    what: str
    link: str | None
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)


def readable(entries) -> list[Record]:
    """Records of audit entries, with links resolved in one query per kind of object."""
    entries = list(entries)
    links = _Links(entries)
    return [_record(entry, links) for entry in entries]


def _record(entry: AuditEntry, links: "_Links") -> Record:
    details = dict(entry.details or {})
    changes = [(_label(name), _shown(old), _shown(new)) for name, (old, new) in (details.pop("changes", None) or {}).items()]
    if changes:
        details.pop("fields", None)  # the older list of changed names, now said by `changes`
    facts = [(label, _shown(value)) for label, value in _flatten(details) if value not in ("", None, [], {})]
    what = ACTIONS.get(entry.action, entry.action.replace(".", ": ").replace("_", " "))
    return Record(entry=entry, what=what, link=links.url(entry), changes=changes, facts=facts)


def _label(name: str) -> str:
    return name.replace(".", ": ").replace("_", " ").capitalize()


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value) or "—"
    return str(value)


def _flatten(details: dict, prefix: str = ""):
    # Older task records nest each split's values: {"splits": {"val": {"n_images": "10"}}}.
    for key, value in details.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key} · ")
        else:
            yield f"{prefix}{key}".replace("_", " ").capitalize(), value


class _Links:
    """Where each record's object lives in the console; objects that are gone get no link."""

    def __init__(self, entries: list[AuditEntry]):
        ids: dict[str, set[int]] = {}
        for entry in entries:
            if entry.target_type and entry.target_id:
                ids.setdefault(entry.target_type, set()).add(entry.target_id)
        self.tasks = Task.objects.select_related("year").in_bulk(ids.get("task", ()))
        self.splits = Split.objects.select_related("task__year").in_bulk(ids.get("split", ()))
        self.years = ChallengeYear.objects.in_bulk(ids.get("challengeyear", ()))
        self.announcements = Announcement.objects.select_related("year").in_bulk(ids.get("announcement", ()))
        self.teams = Team.objects.select_related("year").in_bulk(ids.get("team", ()))

    def url(self, entry: AuditEntry) -> str | None:
        kind, pk, year = entry.target_type, entry.target_id, entry.year
        if kind == "task" and pk in self.tasks:
            task = self.tasks[pk]
            return reverse("organize:task-edit", args=[task.year.slug, task.slug])
        if kind == "split" and pk in self.splits:
            split = self.splits[pk]
            return reverse("organize:ground-truth", args=[split.task.year.slug, split.task.slug, split.name])
        if kind == "challengeyear" and pk in self.years:
            return reverse("organize:year", args=[self.years[pk].slug])
        if kind == "announcement" and pk in self.announcements:
            return reverse("organize:announcement-edit", args=[self.announcements[pk].year.slug, pk])
        if kind == "team" and pk in self.teams:
            return reverse("organize:teams", args=[self.teams[pk].year.slug]) + f"#team-{pk}"
        if kind == "submission" and pk:
            return reverse("submissions:detail", args=[pk])
        if kind == "rescoringjob" and year:
            return reverse("organize:rescoring", args=[year.slug]) + f"#job-{pk}"
        if kind == "datafile" and year:
            return reverse("organize:data-files", args=[year.slug])
        return reverse("organize:year", args=[year.slug]) if year else None


def audit_people():
    """Everyone who appears in the log as its actor, by username."""
    return get_user_model().objects.filter(pk__in=AuditEntry.objects.values("actor")).order_by("username")


def audit_entries(*, year: ChallengeYear | None = None, kind: str = "", person=None):
    """Audit records, newest first; `kind` is the part of the action before the dot ("year", "entry")."""
    entries = AuditEntry.objects.select_related("actor", "year")
    entries = entries.filter(year=year) if year else entries
    entries = entries.filter(action__startswith=f"{kind}.") if kind else entries
    return entries.filter(actor=person) if person else entries
