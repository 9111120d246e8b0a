"""Reads of the crowd's verification: an annotator's tasks and questions, what a question page
shows of its class (words, WordNet gloss, parents), who may see an image (only annotators the
question is assigned to), and the organizers' overview of a task."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from challenge.annotation.models import (
    Aggregation,
    AnnotationImage,
    Annotator,
    Question,
    Standing,
    VerificationTask,
    Vote,
)
from challenge.competition.models import ChallengeYear, Synset


def annotator_roles(*, user) -> list[Annotator]:
    """The years this person annotates."""
    if not user.is_authenticated:
        return []
    return list(Annotator.objects.filter(user=user).select_related("year"))


def tasks_for_annotator(*, user) -> list[dict]:
    """The open tasks of the years this person annotates, each with how many questions still
    want votes and how many this person answered."""
    rows = []
    for role in annotator_roles(user=user):
        open_questions = Question.objects.filter(task=OuterRef("pk"), needs_votes=True, image__isnull=False)
        tasks = (VerificationTask.objects.filter(year=role.year, is_open=True).select_related("year")
                 .annotate(open=_count_of(open_questions),
                           mine=_count_of(Vote.objects.filter(task=OuterRef("pk"), annotator=role)))
                 .order_by("pk"))
        rows += [{"task": task, "annotator": role, "open": task.open, "mine": task.mine} for task in tasks]
    return rows


def _count_of(rows) -> Coalesce:
    """How many of a task's ``rows`` (filtered on ``task=OuterRef("pk")``), as a subquery: two
    counts joined in one query would multiply each other."""
    counted = rows.order_by().values("task").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def task_for_annotator(*, user, pk: int) -> tuple[VerificationTask, Annotator]:
    """A task and this person's annotator role in its year (one query); 404 when they have none."""
    annotator = (Annotator.objects.filter(user_id=user.pk, year__verification_tasks=pk).select_related("year").first()
                 if user.is_authenticated else None)
    if annotator is None:
        raise Http404("No such task among the ones you annotate.")
    return VerificationTask.objects.select_related("year").get(pk=pk), annotator


def question_for_annotator(*, annotator: Annotator, pk: int) -> Question:
    """A question assigned to this annotator; 404 otherwise (another's question says nothing)."""
    question = (Question.objects.filter(pk=pk, assignments__annotator=annotator)
                .select_related("task", "synset", "image").first())
    if question is None:
        raise Http404("No such question among yours.")
    return question


def class_context(synset: Synset) -> dict:
    """What the question page says of a class: its words, WordNet gloss and parents (their words)."""
    parents = [p.words.split(",")[0] for p in synset.parents.all().order_by("ilsvrc_id")]
    return {"wnid": synset.wnid, "words": synset.words, "name": synset.short_name, "gloss": synset.gloss,
            "parents": parents}


def image_for_viewer(*, user, question_id: int) -> AnnotationImage:
    """The image of a question, for an annotator it is assigned to; 404 for anyone else (an
    organizer included: images are served to the crowd only)."""
    if not user.is_authenticated:
        raise Http404("No such image.")
    question = (Question.objects.filter(pk=question_id, image__isnull=False, assignments__annotator__user=user)
                .select_related("image").first())
    if question is None:
        raise Http404("No such image.")
    return question.image


# ---------------------------------------------------------------- the organizers' overview

def tasks_of_year(*, year: ChallengeYear) -> list[VerificationTask]:
    """A year's tasks with their questions, open questions and votes counted."""
    return list(VerificationTask.objects.filter(year=year).select_related("split__task__year")
                .annotate(n_questions=Count("questions", distinct=True),
                          n_open=Count("questions", filter=Q(questions__needs_votes=True), distinct=True))
                .order_by("pk"))


def annotators_of(*, year: ChallengeYear) -> list[Annotator]:
    """The people who annotate a year (imported raters left out), with their votes counted."""
    return list(Annotator.objects.filter(year=year, user__isnull=False).select_related("user")
                .annotate(n_votes=Count("votes")).order_by("user__username"))


def standings_of(*, task: VerificationTask, limit: int = 200) -> list[Standing]:
    """Annotators' standing on a task, stopped ones first, then the least accurate."""
    return list(Standing.objects.filter(task=task).select_related("annotator__user")
                .order_by("-stopped", "accuracy", "pk")[:limit])


def latest_aggregation(*, task: VerificationTask) -> Aggregation | None:
    return Aggregation.objects.filter(task=task).defer("question_ids", "posteriors").first()


def task_counts(*, task: VerificationTask) -> dict:
    """Questions (gold apart), those still wanting votes, votes, and images of a task."""
    questions = Question.objects.filter(task=task)
    return {"questions": questions.filter(is_gold=False).count(), "gold": questions.filter(is_gold=True).count(),
            "open": questions.filter(needs_votes=True).count(), "votes": task.votes.count(),
            "images": task.images.count()}
