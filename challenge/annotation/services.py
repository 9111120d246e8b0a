"""Writes of the crowd's verification: invitations and the annotator role, tasks and their
questions (organizers' archives, teams' reports), assignment and answers under ImageNet's
dynamic consensus, refits of Dawid & Skene with reliability and stopping, aggregations, and
their publication as a revision of a split's labels (submissions.revision_uploads).

The numbers are the pure modules' (consensus.py); this module moves votes between them and the
database. Organizers' actions are audited.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta

import numpy as np
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone

from challenge import policy
from challenge.annotation import archives, images
from challenge.annotation.consensus import (
    MAYBE_CREDIT,
    YES,
    ConsensusSettings,
    GoldAnswers,
    Votes,
    aggregate,
    annotator_reliability,
    dawid_skene,
    questions_needing_votes,
    stopped_annotators,
)
from challenge.annotation.models import (
    Aggregation,
    AnnotationImage,
    Annotator,
    AnnotatorInvitation,
    Assignment,
    LabelReport,
    Publication,
    Question,
    Standing,
    VerificationTask,
    Vote,
)
from challenge.annotation.reassessed import REASSESSED_DATA_DIR, read_reassessed_votes
from challenge.annotation.votes import read_votes, votes_digest, write_votes
from challenge.audit.services import audit_changes, record_audit
from challenge.competition.models import ChallengeYear, Split, Synset, Task
from challenge.notices.mail import Mail, queue_emails, site_url
from challenge.notices.models import EmailKind
from challenge.storage import read_private_file, sha256_of, store_private_file
from challenge.teams.models import Team
from submissions.ground_truth import scoring_class_set, scoring_ground_truth
from submissions.revision_uploads import upload_revised_labels
from submissions.revisions import revision_of

# An assignment left unanswered this long is handed to someone else at the next refit.
ASSIGNMENT_TTL = timedelta(minutes=30)
GRID_SIZE = 12
TASK_FIELDS = ["title", "description", "split", "is_open", "min_votes", "max_votes", "accept_at", "reject_at",
               "gold_share", "stop_below", "judge_after", "algorithm", "threshold", "refit_every"]


class AnnotationRefused(Exception):
    """An action of the crowd's verification cannot be done; the message says why."""


# ---------------------------------------------------------------- the annotator role

def invite_annotator(*, user, year: ChallengeYear, email: str) -> AnnotatorInvitation:
    """E-mail an invitation to annotate `year` (a single-use link), audited. Raises
    AnnotationRefused for an address already invited and not yet accepted."""
    email = email.strip().lower()
    if AnnotatorInvitation.objects.filter(year=year, email=email, accepted_at__isnull=True).exists():
        raise AnnotationRefused(f"{email} has an invitation to {year.slug} waiting already.")
    with transaction.atomic():
        invitation = AnnotatorInvitation.objects.create(year=year, email=email, invited_by=user)
        url = site_url(reverse("annotation:accept", args=[invitation.token]))
        queue_emails([Mail(kind=EmailKind.INVITATION, to=email, template="annotator_invitation",
                           context={"inviter": user.username, "year": year, "accept_url": url},
                           once_key=f"annotator-invitation:{invitation.pk}")])
        record_audit(actor=user, action="annotation.invite", target=email, year=year, email=email)
    return invitation


def accept_invitation(*, user, token: str) -> Annotator:
    """Make the signed-in `user` an annotator of the invitation's year (a role, not a team).
    Raises AnnotationRefused for an unknown or used link."""
    with transaction.atomic():
        invitation = AnnotatorInvitation.objects.select_for_update().filter(token=token).first()
        if invitation is None or invitation.accepted_at is not None:
            raise AnnotationRefused("This invitation link is unknown or was used already.")
        annotator, _ = Annotator.objects.get_or_create(year=invitation.year, user=user)
        invitation.accepted_by, invitation.accepted_at = user, timezone.now()
        invitation.save(update_fields=["accepted_by", "accepted_at"])
    return annotator


def make_annotator(*, year: ChallengeYear, user) -> Annotator:
    """The annotator role of `user` in `year`, created if missing (the demo's organizer)."""
    annotator, _ = Annotator.objects.get_or_create(year=year, user=user)
    return annotator


# ---------------------------------------------------------------- tasks

def consensus_settings(task: VerificationTask) -> ConsensusSettings:
    """The task's numbers as the pure consensus takes them. Raises ValueError when out of order."""
    return ConsensusSettings(min_votes=task.min_votes, max_votes=task.max_votes, accept_at=task.accept_at,
                             reject_at=task.reject_at, gold_share=task.gold_share, stop_below=task.stop_below,
                             judge_after=task.judge_after)


def save_task(*, user, year: ChallengeYear, data: dict, task: VerificationTask | None = None) -> VerificationTask:
    """Create or change a verification task (its consensus settings, algorithm and threshold),
    audited with what changed. Raises AnnotationRefused for settings out of order and a split
    of another year or task kind (a published result revises a classification split)."""
    split = data.get("split")
    if split is not None and (split.task.year_id != year.pk or split.task.kind != Task.Kind.CLASSIFICATION):
        raise AnnotationRefused("A task's result revises a classification split of its own year.")
    before = {name: getattr(task, name) for name in TASK_FIELDS} if task else {}
    candidate = task or VerificationTask(year=year, created_by=user)
    for name in TASK_FIELDS:
        if name in data:
            setattr(candidate, name, data[name])
    try:
        consensus_settings(candidate)
    except ValueError as exc:
        raise AnnotationRefused(str(exc)) from exc
    if not 0.0 < candidate.threshold < 1.0:
        raise AnnotationRefused("The threshold must lie strictly between 0 and 1.")
    candidate.save()
    after = {name: getattr(candidate, name) for name in TASK_FIELDS}
    record_audit(actor=user, action="annotation.task.change" if task else "annotation.task.create",
                 target=str(candidate), year=year, changes=audit_changes(before=before, after=after))
    return candidate


def reports_task(*, split: Split) -> VerificationTask:
    """The task that collects teams' reports on a split's labels (created on the first report)."""
    task, _ = VerificationTask.objects.get_or_create(
        year=split.task.year, split=split, title=f"Reports on {split.task.title}, {split.get_name_display().lower()}",
        defaults={"description": "Questions from teams' reports that a label looks wrong."})
    return task


def _synset_of(year: ChallengeYear, token: str) -> Synset | None:
    """A leaf class of the year's class set by id or WNID."""
    token = token.strip()
    leaves = Synset.objects.filter(class_set=year.class_set, is_leaf=True)
    if token.isdigit():
        return leaves.filter(ilsvrc_id=int(token)).first()
    return leaves.filter(wnid=token).first()


# ---------------------------------------------------------------- questions

def add_archive(*, user, task: VerificationTask, upload) -> int:
    """Add the questions of an organizer's archive (archives.py: the images and manifest.csv),
    storing each image privately with its renditions. All or nothing. Returns how many
    questions were added. Raises archives.ArchiveRefused naming the manifest line of each problem
    (an unknown class, an unreadable image, ...)."""
    archive = archives.open_archive(upload)
    rows = archives.read_manifest(archive, n_images=task.split.n_images if task.split_id else None)
    errors: list[tuple[int | None, str]] = []
    synsets: dict[str, Synset] = {}
    for row in rows:
        synset = synsets.get(row.label) or _synset_of(task.year, row.label)
        if synset is None:
            errors.append((row.line, f"{row.label[:40]!r} is not a class of {task.year.class_set} (an id or a leaf WNID)"))
        else:
            synsets[row.label] = synset
    made: dict[str, images.Renditions] = {}
    for row in rows:
        if row.file in made or len(errors) >= archives.MAX_ERRORS:
            continue
        try:
            made[row.file] = images.renditions(archives.read_member(archive, row.file))
        except (images.ImageRefused, archives.ArchiveRefused) as exc:
            errors.append((row.line, f"{row.file[:80]}: {exc}"))
    if errors:
        raise archives.ArchiveRefused(errors[: archives.MAX_ERRORS], max(0, len(errors) - archives.MAX_ERRORS))
    with transaction.atomic():
        stored: dict[str, AnnotationImage] = {}
        for row in rows:
            if row.file in stored:
                continue
            stored[row.file] = _store_image(task=task, name=row.file, data=archives.read_member(archive, row.file),
                                            made=made[row.file], image_index=row.image)
        added = _add_questions(task, [(synsets[r.label], stored[r.file], r.image, r.gold) for r in rows],
                               source=Question.Source.ORGANIZER)
        record_audit(actor=user, action="annotation.questions.add", target=str(task), year=task.year,
                     questions=added, images=len(stored))
    return added


def _store_image(*, task: VerificationTask, name: str, data: bytes, made: images.Renditions,
                 image_index: int | None) -> AnnotationImage:
    existing = AnnotationImage.objects.filter(task=task, name=name).first()
    if existing is not None and existing.sha256 == sha256_of(data):
        return existing
    prefix = f"annotation/{task.pk}"
    key, digest = store_private_file(prefix=prefix, data=data, suffix=".img")
    display_key, _ = store_private_file(prefix=prefix, data=made.display, suffix=".jpg")
    thumb_key, _ = store_private_file(prefix=prefix, data=made.thumb, suffix=".jpg")
    values = dict(key=key, sha256=digest, display_key=display_key, thumb_key=thumb_key, width=made.width,
                  height=made.height, image_index=image_index)
    image, _ = AnnotationImage.objects.update_or_create(task=task, name=name, defaults=values)
    return image


def _add_questions(task: VerificationTask, items, *, source: str, report: LabelReport | None = None) -> int:
    """Questions (synset, image, image index, gold answer) not asked already in the task."""
    added = 0
    for synset, image, image_index, gold in items:
        asked = Question.objects.filter(task=task, synset=synset, is_gold=gold is not None)
        asked = asked.filter(image=image) if image is not None else asked.filter(image_index=image_index, image=None)
        if asked.exists():
            continue
        Question.objects.create(task=task, synset=synset, image=image, image_index=image_index, source=source,
                                is_gold=gold is not None, gold_valid=gold, report=report,
                                posterior=float(gold) if gold is not None else 0.5,
                                needs_votes=gold is None, wanted=0 if gold is not None else task.min_votes)
        added += 1
    return added


def report_label(*, user, team: Team, split: Split, image_index: int, proposed: list[str], note: str = "") -> LabelReport:
    """A team's report that a validation image's label looks wrong, with the labels it proposes:
    questions for the image's current labels and the proposed ones go to the split's reports
    task (with the image when organizers uploaded it). Raises AnnotationRefused when the team
    may not report on this split (challenge.policy), for an image outside the split, no
    proposed label, or one that is not a class of the year."""
    refusal = policy.label_report_refusal(user=user, team=team, split=split)
    if refusal:
        raise AnnotationRefused(refusal)
    if not 1 <= image_index <= split.n_images:
        raise AnnotationRefused(f"Image {image_index} is not one of the split's images (1..{split.n_images:,}).")
    year = split.task.year
    synsets = []
    for token in proposed:
        synset = _synset_of(year, token)
        if synset is None:
            raise AnnotationRefused(f"{token.strip()[:40]!r} is not a class of {year.class_set} (an id or a leaf WNID).")
        synsets.append(synset)
    if not synsets:
        raise AnnotationRefused("Propose at least one label (a class id or WNID).")
    current = _current_labels(split, image_index)
    task = reports_task(split=split)
    image = AnnotationImage.objects.filter(task__split=split, image_index=image_index).first()
    with transaction.atomic():
        report = LabelReport.objects.create(split=split, team=team, reported_by=user, image_index=image_index,
                                            proposed=[s.ilsvrc_id for s in synsets], note=note[:2000], task=task)
        asked = list(Synset.objects.filter(class_set=year.class_set, ilsvrc_id__in=current)) + synsets
        _add_questions(task, [(s, image, image_index, None) for s in dict.fromkeys(asked)],
                       source=Question.Source.REPORT, report=report)
    return report


def _current_labels(split: Split, image_index: int) -> list[int]:
    """The class ids the split's current ground truth gives an image (its label, and its revised set)."""
    ground_truth = split.current_ground_truth
    if ground_truth is None:
        return []
    class_set = scoring_class_set(split.task.classes)
    labels = [int(scoring_ground_truth(ground_truth, class_set).labels[image_index - 1])]
    revision = revision_of(ground_truth, class_set)
    if revision is not None and revision.label_sets is not None:
        labels += revision.label_sets.labels_of(image_index - 1).tolist()
    return sorted(set(labels))


# ---------------------------------------------------------------- assignment and answers

def is_stopped(*, annotator: Annotator, task: VerificationTask) -> bool:
    return Standing.objects.filter(task=task, annotator=annotator, stopped=True).exists()


def next_question(*, annotator: Annotator, task: VerificationTask, rng: np.random.Generator | None = None) -> Question | None:
    """The question this annotator answers next: their unanswered assignment, else a new one,
    a gold question `gold_share` of the time (they cannot tell), else the open question with
    the most votes that still wants one more than it has coming (questions are finished before
    new ones start). None when the task is closed, the annotator stopped, or nothing is left
    for them."""
    if not task.is_open or is_stopped(annotator=annotator, task=task):
        return None
    waiting = (Assignment.objects.filter(annotator=annotator, answered_at=None, question__task=task)
               .select_related("question__synset", "question__image").order_by("assigned_at", "pk").first())
    if waiting is not None:
        return waiting.question
    picked = _assign(annotator=annotator, task=task, rng=rng or np.random.default_rng(), count=1)
    return picked[0] if picked else None


def _unassigned(task: VerificationTask, annotator: Annotator):
    mine = Assignment.objects.filter(question=OuterRef("pk"), annotator=annotator)
    return Question.objects.filter(task=task, image__isnull=False).exclude(Exists(mine))


def _assign(*, annotator: Annotator, task: VerificationTask, rng: np.random.Generator, count: int,
            synset_id: int | None = None) -> list[Question]:
    picked: list[Question] = []
    with transaction.atomic():
        for _ in range(count):
            gold = _unassigned(task, annotator).filter(is_gold=True)
            # Questions nearest to a decision first: they settle sooner, so annotators are judged
            # against answers that several people gave (and fewer questions wait half-voted).
            open_ = (_unassigned(task, annotator).filter(is_gold=False, needs_votes=True,
                                                         n_pending__lt=F("wanted") - F("n_votes"))
                     .order_by("-n_votes", "pk"))
            if synset_id is not None:
                gold, open_ = gold.filter(synset_id=synset_id), open_.filter(synset_id=synset_id)
            gold_first = rng.random() < task.gold_share
            kinds = [lambda: _drawn(gold, rng), lambda: open_]
            question = None
            for candidates in kinds if gold_first else kinds[::-1]:
                question = (candidates().select_related("synset", "image")
                            .select_for_update(skip_locked=True, of=("self",)).first())
                if question is not None:
                    break
            if question is None:
                break
            Assignment.objects.create(question=question, annotator=annotator)
            Question.objects.filter(pk=question.pk).update(n_pending=F("n_pending") + 1)
            picked.append(question)
    return picked


def _drawn(questions, rng: np.random.Generator):
    """The questions from one drawn with the caller's generator onwards (by pk), so the first is a
    random one: not the database's random(), so a seeded simulation asks the same on every run."""
    questions = questions.order_by("pk")
    count = questions.count()
    if count == 0:
        return questions
    return questions.filter(pk__gte=questions.values_list("pk", flat=True)[int(rng.integers(count))])


def grid_questions(*, annotator: Annotator, task: VerificationTask, size: int = GRID_SIZE,
                   rng: np.random.Generator | None = None) -> list[Question]:
    """A grid of questions about one class for this annotator: their unanswered assignments of
    the class of their oldest one, topped up with new ones of that class (gold mixed in as for
    single questions). Empty when nothing is left for them."""
    if not task.is_open or is_stopped(annotator=annotator, task=task):
        return []
    first = next_question(annotator=annotator, task=task, rng=rng)
    if first is None:
        return []
    waiting = list(Question.objects.filter(task=task, synset_id=first.synset_id, assignments__annotator=annotator,
                                           assignments__answered_at=None).select_related("synset", "image")
                   .order_by("pk"))
    if len(waiting) < size:
        waiting += _assign(annotator=annotator, task=task, rng=rng or np.random.default_rng(),
                           count=size - len(waiting), synset_id=first.synset_id)
    return waiting


def record_answer(*, annotator: Annotator, question: Question, answer: int) -> Vote:
    """Record an answer (0 no, 1 maybe, 2 yes) to a question assigned to this annotator, update
    its counted votes, posterior (the task's last fitted model, or the majority) and whether it
    needs more, and refit the task's consensus every `refit_every` votes. Raises
    AnnotationRefused for an answer out of range, a question not assigned to them or answered
    already, and for a stopped annotator."""
    if answer not in (0, 1, 2):
        raise AnnotationRefused("An answer is yes, maybe or no.")
    task = question.task
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().filter(question=question, annotator=annotator).first()
        if assignment is None:
            raise AnnotationRefused("This question is not assigned to you.")
        if assignment.answered_at is not None:
            raise AnnotationRefused("You answered this question already.")
        if not Standing.objects.filter(task=task, annotator=annotator).update(answers=F("answers") + 1):
            Standing.objects.create(task=task, annotator=annotator, answers=1)
        elif is_stopped(annotator=annotator, task=task):
            raise AnnotationRefused("Your answers on this task no longer count: its consensus stopped them.")
        Assignment.objects.filter(pk=assignment.pk).update(answered_at=timezone.now())
        vote = Vote.objects.create(task=task, question=question, annotator=annotator, answer=answer)
        locked = (VerificationTask.objects.select_for_update().filter(pk=task.pk)
                  .values_list("votes_since_fit", "model", "refit_every").get())
        _update_question(task, Question.objects.select_for_update().get(pk=question.pk), answered=True,
                         model=locked[1])
        VerificationTask.objects.filter(pk=task.pk).update(votes_since_fit=F("votes_since_fit") + 1)
    if locked[0] + 1 >= locked[2]:
        refit_consensus(task=task)
    return vote


def _update_question(task: VerificationTask, question: Question, *, answered: bool, model: dict) -> None:
    stopped = Standing.objects.filter(task=task, stopped=True).values("annotator_id")
    counted = list(Vote.objects.filter(question=question).exclude(annotator_id__in=stopped)
                   .values_list("annotator_id", "answer"))
    n = len(counted)
    if question.is_gold:
        posterior, needs = float(question.gold_valid), False
    else:
        posterior = live_posterior(model, counted)
        needs = bool(questions_needing_votes(np.asarray(n), np.asarray(posterior), consensus_settings(task)))
    Question.objects.filter(pk=question.pk).update(
        n_votes=n, posterior=posterior, needs_votes=needs, wanted=_wanted(task, n, needs),
        n_pending=max(0, question.n_pending - 1) if answered else question.n_pending)


def _wanted(task: VerificationTask, n: int, needs: bool) -> int:
    if not needs:
        return n
    return task.min_votes if n < task.min_votes else min(n + 1, task.max_votes)


def live_posterior(model: dict, votes: list[tuple[int, int]]) -> float:
    """P(valid) of one question from its counted votes [(annotator id, answer)]: under the task's
    last fitted Dawid & Skene model (`VerificationTask.model`; an annotator it has not seen gets
    the pooled matrix), or without one the majority vote (a maybe counts half; 0.5 without votes)."""
    if not model:
        if not votes:
            return 0.5
        return sum(1.0 if k == YES else MAYBE_CREDIT if k == 1 else 0.0 for _, k in votes) / len(votes)
    prior = min(max(model["prior"], 1e-6), 1 - 1e-6)
    evidence = math.log(prior) - math.log1p(-prior)
    for annotator, answer in votes:
        matrix = model["confusion"].get(str(annotator), model["pooled"])
        evidence += math.log(max(matrix[1][answer], 1e-12)) - math.log(max(matrix[0][answer], 1e-12))
    return 1.0 / (1.0 + math.exp(-evidence)) if evidence > -700 else 0.0


# ---------------------------------------------------------------- the consensus, refitted

class TaskVotes:
    """A task's votes as consensus.Votes over dense indices: `question_ids` and `annotator_ids`
    (ascending database ids) map them back; `gold` the gold questions; `raw` the id arrays."""

    def __init__(self, task: VerificationTask):
        q, a, k = read_votes(task.pk)
        self.raw = (q, a, k)
        self.question_ids = np.fromiter(Question.objects.filter(task=task).order_by("pk").values_list("pk", flat=True),
                                        dtype=np.int64)
        self.annotator_ids = np.unique(a)
        gold = list(Question.objects.filter(task=task, is_gold=True).values_list("pk", "gold_valid"))
        self.votes = Votes(np.searchsorted(self.question_ids, q).astype(np.intp),
                           np.searchsorted(self.annotator_ids, a).astype(np.intp), k,
                           int(self.question_ids.size), int(self.annotator_ids.size))
        gold_ids = np.array([g for g, _ in gold], dtype=np.int64)
        self.gold = GoldAnswers(np.searchsorted(self.question_ids, gold_ids).astype(np.intp),
                                np.array([bool(v) for _, v in gold], dtype=bool)) if gold else None

    def stopped_mask(self, task: VerificationTask) -> np.ndarray:
        stopped = set(Standing.objects.filter(task=task, stopped=True).values_list("annotator_id", flat=True))
        return np.isin(self.annotator_ids, list(stopped))


def refit_consensus(*, task: VerificationTask) -> None:
    """Refit the task's consensus on its votes: Dawid & Skene (gold clamped) on the votes that
    count, each annotator's reliability from gold and from agreement on questions with at least
    `min_votes` counted votes, annotators below `stop_below` after `judge_after` such answers
    stopped for good (their votes stop counting; their questions
    want new ones), every question's counted votes, posterior and need of more, and the model
    new votes are judged by until the next refit. Unanswered assignments older than 30
    minutes, and a stopped annotator's, are handed back."""
    tv = TaskVotes(task)
    _release_stale(task)
    if tv.votes.n_votes == 0:
        VerificationTask.objects.filter(pk=task.pk).update(votes_since_fit=0)
        return
    stopped = tv.stopped_mask(task)
    fit = dawid_skene(tv.votes.without_annotators(stopped), gold=tv.gold)
    # Judged on gold questions and on questions with their first votes in: agreement with a
    # consensus of one or two votes says little about anyone.
    counted_now = tv.votes.without_annotators(stopped).votes_per_question()
    settled = counted_now >= task.min_votes
    if tv.gold is not None:
        settled[tv.gold.question] = True
    reliability = annotator_reliability(tv.votes.select(settled[tv.votes.question]), fit.posterior, gold=tv.gold)
    newly = stopped_annotators(reliability, below=task.stop_below, after_answers=task.judge_after) & ~stopped
    if newly.any():
        stopped |= newly
        fit = dawid_skene(tv.votes.without_annotators(stopped), gold=tv.gold)
    counted = tv.votes.without_annotators(stopped)
    with transaction.atomic():
        _save_standings(task, tv, reliability, stopped, newly)
        _save_questions(task, tv, counted.votes_per_question(), fit.posterior)
        confusion = fit.model.confusion
        weights = counted.votes_per_annotator().astype(float)
        pooled = (confusion * weights[:, None, None]).sum(axis=0) / max(weights.sum(), 1.0)
        pooled = pooled / pooled.sum(axis=1, keepdims=True)
        model = {"prior": fit.model.prior, "pooled": pooled.tolist(),
                 "confusion": {str(int(a)): confusion[i].tolist() for i, a in enumerate(tv.annotator_ids)
                               if not stopped[i]}}
        VerificationTask.objects.filter(pk=task.pk).update(model=model, votes_since_fit=0)
        if newly.any():
            Assignment.objects.filter(annotator_id__in=tv.annotator_ids[newly].tolist(), question__task=task,
                                      answered_at=None).delete()
            _recount_pending(task)
    task.model = model


def _save_standings(task, tv: TaskVotes, reliability, stopped: np.ndarray, newly: np.ndarray) -> None:
    now = timezone.now()
    existing = {s.annotator_id: s for s in Standing.objects.filter(task=task)}
    changed, created = [], []
    for i, annotator_id in enumerate(tv.annotator_ids.tolist()):
        standing = existing.get(annotator_id) or Standing(task=task, annotator_id=annotator_id)
        standing.answers = int(reliability.answers[i])
        standing.gold_answers = int(reliability.gold_answers[i])
        gold = reliability.gold_accuracy[i]
        standing.gold_accuracy = None if np.isnan(gold) else float(gold)
        standing.accuracy = float(reliability.accuracy[i])
        standing.stopped = bool(stopped[i])
        if newly[i]:
            standing.stopped_at = now
        (changed if standing.pk else created).append(standing)
    Standing.objects.bulk_create(created, batch_size=1000)
    Standing.objects.bulk_update(changed, ["answers", "gold_answers", "gold_accuracy", "accuracy", "stopped",
                                           "stopped_at"], batch_size=1000)


def _save_questions(task, tv: TaskVotes, counts: np.ndarray, posterior: np.ndarray) -> None:
    settings = consensus_settings(task)
    rows = list(Question.objects.filter(task=task).order_by("pk").values_list(
        "pk", "is_gold", "n_votes", "posterior", "needs_votes", "wanted"))
    needs = questions_needing_votes(counts, posterior, settings)
    changed = []
    for i, (pk, is_gold, n_votes, old_posterior, old_needs, old_wanted) in enumerate(rows):
        wants_more = bool(needs[i]) and not is_gold
        values = (int(counts[i]), float(posterior[i]), wants_more, _wanted(task, int(counts[i]), wants_more))
        if values != (n_votes, old_posterior, old_needs, old_wanted):
            changed.append(Question(pk=pk, n_votes=values[0], posterior=values[1], needs_votes=values[2],
                                    wanted=values[3]))
    Question.objects.bulk_update(changed, ["n_votes", "posterior", "needs_votes", "wanted"], batch_size=1000)


def _release_stale(task: VerificationTask) -> None:
    stale = Assignment.objects.filter(question__task=task, answered_at=None,
                                      assigned_at__lt=timezone.now() - ASSIGNMENT_TTL)
    if stale.exists():
        stale.delete()
        _recount_pending(task)


def _recount_pending(task: VerificationTask) -> None:
    pending = dict(Assignment.objects.filter(question__task=task, answered_at=None).values("question_id")
                   .annotate(n=Count("pk")).values_list("question_id", "n"))
    Question.objects.filter(task=task).exclude(pk__in=list(pending)).exclude(n_pending=0).update(n_pending=0)
    Question.objects.bulk_update([Question(pk=pk, n_pending=n) for pk, n in pending.items()], ["n_pending"],
                                 batch_size=1000)


# ---------------------------------------------------------------- results

def aggregate_task(*, user, task: VerificationTask, algorithm: str | None = None) -> Aggregation:
    """The posterior of every question of the task by `algorithm` (the task's by default), from
    the votes that count (stopped annotators' left out), stored with the digest of those votes.
    Raises AnnotationRefused for a task without votes, and when the algorithm cannot run
    (dawid-skene-gold without gold answers of both kinds)."""
    algorithm = algorithm or task.algorithm
    started = time.perf_counter()
    tv = TaskVotes(task)
    if tv.votes.n_votes == 0:
        raise AnnotationRefused("This task has no votes yet.")
    stopped = tv.stopped_mask(task)
    counted = tv.votes.without_annotators(stopped)
    try:
        posterior = aggregate(counted, algorithm=algorithm, gold=tv.gold)
    except ValueError as exc:
        raise AnnotationRefused(str(exc)) from exc
    keep = ~stopped[tv.votes.annotator]
    q, a, k = (x[keep] for x in tv.raw)
    result = Aggregation.objects.create(
        task=task, algorithm=algorithm, question_ids=tv.question_ids.astype("<i8").tobytes(),
        posteriors=posterior.astype("<f8").tobytes(), n_votes=int(keep.sum()), n_questions=int(tv.question_ids.size),
        n_annotators=int((~stopped).sum()), n_stopped=int(stopped.sum()), votes_sha256=votes_digest(q, a, k),
        seconds=time.perf_counter() - started, created_by=user)
    if user is not None:
        record_audit(actor=user, action="annotation.aggregate", target=str(task), year=task.year, obj=None,
                     algorithm=algorithm, votes=result.n_votes, votes_sha256=result.votes_sha256)
    return result


def aggregation_arrays(aggregation: Aggregation) -> tuple[np.ndarray, np.ndarray]:
    """(question ids, posteriors) of an aggregation."""
    return (np.frombuffer(bytes(aggregation.question_ids), dtype="<i8"),
            np.frombuffer(bytes(aggregation.posteriors), dtype="<f8"))


def publish_aggregation(*, user, aggregation: Aggregation, threshold: float) -> Publication:
    """Publish an aggregation as a revision of its task's split: each image with questions gets
    as valid labels the classes whose posterior exceeds `threshold` (left out when none does);
    the other images keep their current labels (the current revision's sets, or the original
    label). A new ground-truth version (submissions.revision_uploads), rescored, audited, in the
    ledger, with its provenance: votes, annotators, algorithm, threshold. Raises
    AnnotationRefused for a task without a split or ground truth, a threshold outside (0, 1),
    and when nothing would change; GroundTruthRefused as the upload does."""
    task = aggregation.task
    split = task.split
    if split is None or split.current_ground_truth is None:
        raise AnnotationRefused("Publishing needs the task's split and its ground truth.")
    if not 0.0 < threshold < 1.0:
        raise AnnotationRefused("The threshold must lie strictly between 0 and 1.")
    text, images_revised = _revised_labels(aggregation, split, threshold)
    if images_revised == 0:
        raise AnnotationRefused("No question of this task names an image of the split: nothing to publish.")
    source = (f"crowd verification \u201c{task.title}\u201d: {aggregation.n_votes:,} votes by "
              f"{aggregation.n_annotators:,} annotators on {aggregation.n_questions:,} questions "
              f"({aggregation.n_stopped:,} annotators stopped), {aggregation.algorithm}, posterior > {threshold:g}; "
              f"votes SHA-256 {aggregation.votes_sha256}")
    with transaction.atomic():
        version = upload_revised_labels(user=user, split=split, data=text, source=source)
        publication = Publication.objects.create(task=task, aggregation=aggregation, ground_truth=version,
                                                 threshold=threshold, images_revised=images_revised, published_by=user)
        record_audit(actor=user, action="annotation.publish", target=str(task), year=task.year,
                     algorithm=aggregation.algorithm, threshold=threshold, votes=aggregation.n_votes,
                     annotators=aggregation.n_annotators, votes_sha256=aggregation.votes_sha256,
                     images=images_revised, sha256=version.revised_labels_sha256)
    return publication


def _revised_labels(aggregation: Aggregation, split: Split, threshold: float) -> tuple[bytes, int]:
    question_ids, posterior = aggregation_arrays(aggregation)
    rows = np.array(list(Question.objects.filter(task=aggregation.task, is_gold=False, image_index__isnull=False)
                         .values_list("pk", "image_index", "synset__ilsvrc_id")), dtype=np.int64).reshape(-1, 3)
    at = np.searchsorted(question_ids, rows[:, 0])
    found = (at < question_ids.size) & (question_ids[np.minimum(at, question_ids.size - 1)] == rows[:, 0])
    rows, valid = rows[found], posterior[at[found]] > threshold
    inside = rows[:, 1] <= split.n_images  # imported questions may name images another split lacks
    rows, valid = rows[inside], valid[inside]
    ground_truth = split.current_ground_truth
    class_set = scoring_class_set(split.task.classes)
    revision = revision_of(ground_truth, class_set)
    if revision is not None and revision.label_sets is not None:
        sets = [labels if kept else [] for labels, kept in zip(revision.label_sets.to_lists(),
                                                                revision.label_sets.kept.tolist())]
    else:
        sets = [[int(label)] for label in scoring_ground_truth(ground_truth, class_set).labels.tolist()]
    rated = np.unique(rows[:, 1])
    for image in rated.tolist():
        sets[image - 1] = []
    for (_, image, class_id), ok in zip(rows.tolist(), valid.tolist()):
        if ok:
            sets[image - 1].append(class_id)
    text = "".join(" ".join(str(c) for c in sorted(set(s))) + "\n" for s in sets).encode()
    return text, int(rated.size)


def disagreements(*, aggregation: Aggregation, limit: int = 50) -> list[dict]:
    """The questions the crowd agreed least on, most undecided first: posterior, counted answers
    by kind, class and image."""
    task = aggregation.task
    question_ids, posterior = aggregation_arrays(aggregation)
    undecided = np.flatnonzero((posterior > task.reject_at) & (posterior < task.accept_at))
    order = undecided[np.argsort(np.abs(posterior[undecided] - 0.5), kind="stable")][:limit]
    chosen = question_ids[order].tolist()
    counts: dict[int, list[int]] = {pk: [0, 0, 0] for pk in chosen}
    for pk, answer in Vote.objects.filter(question_id__in=chosen).values_list("question_id", "answer"):
        counts[pk][answer] += 1
    questions = Question.objects.in_bulk(chosen)
    synsets = Synset.objects.in_bulk([q.synset_id for q in questions.values()])
    return [{"question": questions[pk], "synset": synsets[questions[pk].synset_id], "posterior": float(p),
             "no": counts[pk][0], "maybe": counts[pk][1], "yes": counts[pk][2]}
            for pk, p in zip(chosen, posterior[order].tolist())]


def read_image(*, image: AnnotationImage, size: str) -> bytes:
    """The stored rendition of an image: "thumb" for the grid, else the display size."""
    return read_private_file(image.thumb_key if size == "thumb" else image.display_key)


def add_questions_for_demo(*, task: VerificationTask, items: list[tuple[Synset, str, bytes, int | None, bool | None]]) -> int:
    """The demo's questions: (synset, image name, image bytes, split image index, gold answer)."""
    added = 0
    with transaction.atomic():
        for synset, name, data, image_index, gold in items:
            image = _store_image(task=task, name=name, data=data, made=images.renditions(data), image_index=image_index)
            added += _add_questions(task, [(synset, image, image_index, gold)], source=Question.Source.DEMO)
    return added



# ---------------------------------------------------------------- imports

def import_reassessed(*, year: ChallengeYear, split: Split | None = None, data_dir=None,
                      title: str = "ReaL votes (Beyer et al. 2020)") -> VerificationTask:
    """Load the ReaL crowd votes (raters.npz, and the gold files: golden.npz's experts give each
    gold question its answer, raters_golden.npz the raters' answers to them) as a closed task of
    `year` (its class set must be ILSVRC2012's 1000 classes): questions without images (named by
    validation image and class), one annotator per rater, and their votes. Aggregated with
    Dawid & Skene and gold confusions at 0.8 by default, as Beyer et al. published.
    Raises AnnotationRefused for another class set; ValueError and OSError as the files' reader."""
    reassessed = read_reassessed_votes(data_dir or REASSESSED_DATA_DIR)
    leaves = dict(Synset.objects.filter(class_set=year.class_set, is_leaf=True).values_list("wnid", "pk"))
    if len(leaves) != 1000:
        raise AnnotationRefused("The ReaL votes name ILSVRC2012's 1000 classes; this year has another class set.")
    by_sorted_index = np.array([leaves[w] for w in sorted(leaves)], dtype=np.int64)
    n_rated = reassessed.n_rated
    counts = reassessed.votes.votes_per_question()
    gold_of = dict(zip(reassessed.gold.question.tolist(), reassessed.gold.valid.tolist()))
    at = timezone.now()
    with transaction.atomic():
        task = VerificationTask.objects.create(
            year=year, split=split, title=title, is_open=False, algorithm=VerificationTask.Algorithm.DAWID_SKENE_GOLD,
            threshold=0.8, description=("Imported: the raw votes of Beyer et al. 2020, \u201cAre we done with "
                                        "ImageNet?\u201d (challenge/data/reassessed/). Questions carry votes only: "
                                        "no validation image is on this site."))
        known = dict(Annotator.objects.filter(year=year, external_id__startswith="ReaL rater ")
                     .values_list("external_id", "pk"))
        names = [f"ReaL rater {int(r)}" for r in reassessed.rater_ids]
        Annotator.objects.bulk_create([Annotator(year=year, external_id=n) for n in names if n not in known])
        known = dict(Annotator.objects.filter(year=year, external_id__in=names).values_list("external_id", "pk"))
        annotator_pk = np.array([known[n] for n in names], dtype=np.int64)
        made = Question.objects.bulk_create(
            (Question(task=task, synset_id=int(by_sorted_index[label]), image_index=int(image) + 1,
                      source=Question.Source.IMPORT, is_gold=i >= n_rated, gold_valid=gold_of.get(i),
                      n_votes=int(counts[i]), wanted=int(counts[i]), needs_votes=False, created_at=at)
             for i, (image, label) in enumerate(zip(reassessed.image.tolist(), reassessed.label.tolist()))),
            batch_size=5000)
        question_pk = np.array([q.pk for q in made], dtype=np.int64)
        v = reassessed.votes
        write_votes(task_id=task.pk, question=question_pk[v.question], annotator=annotator_pk[v.annotator],
                    answer=v.answer, at=at)
    return task
