"""Plain helpers that build test data, and the personas every permission test uses.

- alice: member (and creator) of team "Alpha" in the open year; should have access.
- bob: alice's teammate; should have access too.
- charlie: member of another team ("Charlie's Angles") in the same year; should get 404s.
- olivia: an organizer (in the organizer group, not a superuser).
- anonymous visitors are the Django test client without a login.
"""

from dataclasses import dataclass
from datetime import timedelta
from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from challenge.accounts.roles import organizer_group
from challenge.competition.ground_truth import replace_ground_truth
from challenge.competition.models import ChallengeYear, ClassSet, Split, Task
from challenge.competition.services import import_ilsvrc2012
from challenge.teams.models import Membership, Team

PASSWORD = "correct horse battery staple"


def run_scoring_worker() -> str:
    """Do what a score_pending worker does with everything waiting now: uploads are scored and
    ranked there, never in the request. Returns what the command printed."""
    out = StringIO()
    call_command("score_pending", stdout=out)
    return out.getvalue()


def ilsvrc2012() -> ClassSet:
    return ClassSet.objects.filter(slug="ilsvrc2012").first() or import_ilsvrc2012()


def make_user(username: str, *, organizer: bool = False, **extra):
    user = get_user_model().objects.create_user(username, f"{username}@example.org", PASSWORD, **extra)
    if organizer:
        user.groups.add(organizer_group())
    return user


def make_year(slug: str = "y2030", *, status=ChallengeYear.Status.PUBLISHED, days_left: int = 30,
              results_in_days: int = 40, **extra) -> ChallengeYear:
    now = timezone.now()
    values = dict(
        title=f"Challenge {slug}", class_set=ilsvrc2012(), status=status,
        opens_at=now - timedelta(days=1), deadline=now + timedelta(days=days_left),
        results_at=now + timedelta(days=results_in_days),
    )
    values.update(extra)
    return ChallengeYear.objects.create(slug=slug, **values)


def labels_file(labels: list[int]) -> bytes:
    return ("\n".join(str(label) for label in labels) + "\n").encode()


def predictions_file(rows: list[list[int | str]]) -> bytes:
    return ("\n".join(" ".join(str(token) for token in row) for row in rows) + "\n").encode()


def make_task(year: ChallengeYear, slug: str = "classification", *, kind=Task.Kind.CLASSIFICATION,
              val_labels: list[int], test_labels: list[int] | None = None,
              test_visibility=Split.Visibility.HIDDEN, **split_extra) -> Task:
    """A task with a validation split (scores public at once) and, if given, a test split."""
    task = Task.objects.create(year=year, slug=slug, title=slug.title(), kind=kind)
    val = Split.objects.create(task=task, name=Split.Name.VAL, n_images=len(val_labels), labels_public=True,
                               quota_per_window=10, quota_window_days=1, **split_extra)
    replace_ground_truth(split=val, labels=labels_file(val_labels))
    if test_labels is not None:
        test = Split.objects.create(task=task, name=Split.Name.TEST, n_images=len(test_labels),
                                    quota_per_window=2, quota_window_days=7, visibility=test_visibility,
                                    **split_extra)
        replace_ground_truth(split=test, labels=labels_file(test_labels))
    return task


def make_team(year: ChallengeYear, name: str, *members, affiliation: str = "") -> Team:
    team = Team.objects.create(year=year, name=name, affiliation=affiliation,
                               created_by=members[0] if members else None)
    for user in members:
        Membership.objects.create(team=team, user=user, year=year)
    return team


@dataclass
class World:
    year: ChallengeYear
    task: Task
    alice: object
    bob: object
    charlie: object
    olivia: object
    alpha: Team
    charlies_team: Team

    @property
    def val(self) -> Split:
        return self.task.splits.get(name=Split.Name.VAL)

    @property
    def test(self) -> Split:
        return self.task.splits.get(name=Split.Name.TEST)


# Ten validation images and ten test images, so that files can be written by hand.
VAL_LABELS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
TEST_LABELS = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]


def make_world() -> World:
    year = make_year()
    task = make_task(year, val_labels=VAL_LABELS, test_labels=TEST_LABELS)
    alice, bob, charlie = make_user("alice"), make_user("bob"), make_user("charlie")
    olivia = make_user("olivia", organizer=True)
    alpha = make_team(year, "Alpha", alice, bob, affiliation="Alpha University")
    charlies_team = make_team(year, "Charlie's Angles", charlie)
    return World(year, task, alice, bob, charlie, olivia, alpha, charlies_team)
