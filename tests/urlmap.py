"""Every URL of the site, enumerated from Django's resolver, with its arguments filled from a world.

Shared by the authorization matrix, the CSRF check and the secrecy crawler, so that a view
added anywhere is visited by all three without anyone remembering to list it.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from challenge.annotation.models import Question, VerificationTask
from challenge.datafiles.models import DataFile
from challenge.notices.models import Announcement
from challenge.storage import store_private_file
from challenge.teams.models import Invitation
from challenge.teams.services import invite_by_email
from submissions.services import create_submission, score_submission
from tests.base import PASSWORD, TEST_LABELS, VAL_LABELS, make_world, predictions_file, run_scoring_worker

# Django's own admin is tested as one page (admin:index); its hundreds of routes are Django's.
SKIPPED_NAMESPACES = ("admin",)


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", unique per view
    route: str  # the pattern as written, e.g. "submissions/<int:pk>/"
    kwargs: tuple[str, ...]


def site_routes() -> list[Route]:
    """Every named route outside SKIPPED_NAMESPACES, plus admin:index."""
    routes = [Route("admin:index", "admin/", ())]
    for name, route, kwargs in _walk(get_resolver(), "", ""):
        if name.split(":")[0] in SKIPPED_NAMESPACES:
            continue
        routes.append(Route(name, route, kwargs))
    return routes


def _walk(resolver, prefix: str, namespace: str):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            yield from _walk(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = ":".join(part for part in (namespace, pattern.name or f"<unnamed {route}>") if part)
            yield name, route, tuple(pattern.pattern.regex.groupindex)


@dataclass
class MatrixWorld:
    """make_world() plus the objects every route may point at."""

    world: object
    admin: object
    val_submission: object
    test_submission: object
    data_file: DataFile
    announcement: Announcement
    invitation: Invitation
    verification_task: object = None
    question: object = None

    def default_kwargs(self, route: Route) -> dict:
        w = self.world
        by_name = {
            "slug": w.year.slug, "task": w.task.slug, "task_slug": w.task.slug, "split": "val", "split_name": "val",
            "split_pk": w.val.pk, "wnid": "n01440764", "token": self.invitation.token, "uidb64": "MQ",
            "filename": self.data_file.filename, "user_pk": w.bob.pk, "question_id": self.question.pk,
        }
        namespace = route.name.split(":")[0]
        if "pk" in route.kwargs:
            by_name["pk"] = self._pk_for(route.name, namespace)
        if route.name == "password_reset_confirm":
            by_name["token"] = "set-password"
        return {key: by_name[key] for key in route.kwargs if key in by_name}

    def _pk_for(self, name: str, namespace: str) -> int:
        if name in ("api:annotation-answer", "api:annotation-image"):
            return self.question.pk
        if "annotation" in name:
            return self.verification_task.pk
        if "team" in name or namespace == "teams":
            return self.world.alpha.pk
        if "data-file" in name or name == "datafiles:download":
            return self.data_file.pk
        if "announcement" in name:
            return self.announcement.pk
        return self.val_submission.pk

    def url(self, route: Route, **overrides) -> str:
        kwargs = {**self.default_kwargs(route), **overrides}
        return reverse(route.name, kwargs=kwargs) if kwargs else reverse(route.name)


def make_matrix_world() -> MatrixWorld:
    world = make_world()
    admin = get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    val_submission = _scored(world, world.val, VAL_LABELS, "alpha on val")
    test_submission = _scored(world, world.test, TEST_LABELS, "alpha on test")
    run_scoring_worker()  # the boards are built by the scoring workers' rebuild, as on the site
    # Under data/, where hosted files live (a download refuses any other key).
    key, sha256 = store_private_file(prefix="data/files", data=b"devkit bytes\n")
    data_file = DataFile.objects.create(year=world.year, title="Development kit", filename="devkit.txt",
                                        storage_key=key, size=13, sha256=sha256)
    announcement = Announcement.objects.create(year=world.year, title="Welcome", body="Hello **teams**.",
                                               posted_at=timezone.now())
    invitation = invite_by_email(team=world.alpha, user=world.alice, address="invited@example.org")
    task = VerificationTask.objects.create(year=world.year, split=world.val, title="Verify")
    question = Question.objects.create(task=task, synset=world.year.class_set.synsets.get(ilsvrc_id=1), image_index=1,
                                       source=Question.Source.ORGANIZER)
    return MatrixWorld(world, admin, val_submission, test_submission, data_file, announcement, invitation, task,
                       question)


def _scored(world, split, labels, entry_name):
    submission = create_submission(team=world.alpha, split=split, user=world.alice,
                                   data=predictions_file([[label] for label in labels]), entry_name=entry_name)
    return score_submission(submission_id=submission.pk)


def hide_results(world) -> None:
    """Make sure the test split's results date is still ahead."""
    world.year.results_at = timezone.now() + timedelta(days=40)
    world.year.save(update_fields=["results_at"])


@pytest.fixture
def fresh_throttles():
    """Earlier tests' requests (and fuzzing) must not turn this test's answers into 429s: the
    process cache starts empty, and throttle counts (a database cache table) roll back with each
    test or are cleared after a transactional one (tests/conftest.py)."""
    cache.clear()
    yield
    cache.clear()
