"""The site's own consensus loop on a simulated crowd, through the database (issue 25): the
assignment (`next_question`), the answers (`record_answer`, with the refits every 50 votes that
judge annotators and stop those below 0.6) and the aggregation, on 8 careful annotators with
accuracies drawn from U(0.75, 0.95) and 2 answering at random, 80 questions and 16 gold ones,
the default settings (5 votes, more while undecided up to 9, 10% gold). The gold questions are
drawn with the test's generator, so a run asks the same questions every time. The pure loop at full
size (30 + 5 annotators, 10,000 questions) is tests/annotation/test_crowd_simulation.py."""

import numpy as np
import pytest

from challenge.annotation import services
from challenge.annotation.consensus import MAYBE, NO, YES
from challenge.annotation.images import generated_image
from challenge.annotation.models import Question, Standing, VerificationTask
from challenge.competition.models import Synset
from tests.annotation.helpers import annotator

pytestmark = pytest.mark.django_db

SEED = 25
N_QUESTIONS, N_GOLD = 80, 16


def test_the_sites_consensus_recovers_the_labels_and_stops_the_random_answerers(world):
    rng = np.random.default_rng(SEED)
    task = VerificationTask.objects.create(year=world.year, split=world.val, title="Simulated")
    data = generated_image(text="simulated", seed=1, size=64)
    services.add_questions_for_demo(task=task, items=[(Synset.objects.get(class_set=world.year.class_set, ilsvrc_id=1),
                                                       "shared.png", data, None, None)])
    image = task.images.get()
    synsets = list(Synset.objects.filter(class_set=world.year.class_set, is_leaf=True).order_by("ilsvrc_id")[:N_QUESTIONS + N_GOLD])
    truth = {}
    Question.objects.filter(task=task).delete()
    for k, synset in enumerate(synsets):
        valid = bool(rng.random() < 0.6)
        gold = k >= N_QUESTIONS
        question = Question.objects.create(task=task, synset=synset, image=image, source=Question.Source.DEMO,
                                           is_gold=gold, gold_valid=valid if gold else None, needs_votes=not gold,
                                           wanted=0 if gold else task.min_votes, posterior=float(valid) if gold else 0.5)
        truth[question.pk] = valid
    accuracy = list(rng.uniform(0.75, 0.95, size=8)) + [None] * 2
    crowd = [annotator(world, f"sim{i}") for i in range(len(accuracy))]

    def answer_of(valid: bool, p: float | None) -> int:
        if p is None:
            return int(rng.integers(0, 3))
        if rng.random() < p:
            return YES if valid else NO
        return MAYBE if rng.random() < 0.3 else (NO if valid else YES)

    for _ in range(5):  # until a refit leaves nothing to ask anyone
        while True:
            answered = 0
            for ann, p in zip(crowd, accuracy):
                question = services.next_question(annotator=ann, task=task, rng=rng)
                if question is None:
                    continue
                services.record_answer(annotator=ann, question=question, answer=answer_of(truth[question.pk], p))
                answered += 1
            if not answered:
                break
        services.refit_consensus(task=task)
        if all(services.next_question(annotator=ann, task=task) is None for ann in crowd):
            break
    ordinary = Question.objects.filter(task=task, is_gold=False)
    # A question the careful annotators split on evenly stays undecided with everyone asked (it
    # goes to the organizers' disagreements): on 80 questions a single tie is 1.25%, more than
    # the 1% the full-size loop may miss, so the labels recovered are the decided ones here.
    decided = [q for q in ordinary if not q.needs_votes]
    assert len(decided) >= 0.95 * N_QUESTIONS
    correct = sum((q.posterior >= 0.5) == truth[q.pk] for q in decided)
    assert correct / len(decided) >= 0.99
    standings = {s.annotator_id: s for s in Standing.objects.filter(task=task)}
    stopped = {pk for pk, s in standings.items() if s.stopped}
    assert stopped == {ann.pk for ann, p in zip(crowd, accuracy) if p is None}, [
        (p, standings[ann.pk].accuracy, standings[ann.pk].answers) for ann, p in zip(crowd, accuracy)]
    counts = [q.n_votes for q in ordinary]
    assert min(counts) >= task.min_votes and max(counts) <= task.max_votes and max(counts) > task.min_votes
    careful = len([p for p in accuracy if p is not None])
    assert all(q.n_votes == careful for q in ordinary.filter(needs_votes=True))  # undecided: everyone asked
    result = services.aggregate_task(user=None, task=task, algorithm="dawid-skene")
    ids, posterior = services.aggregation_arrays(result)
    by_id = dict(zip(ids.tolist(), posterior.tolist()))
    assert sum((by_id[q.pk] >= 0.5) == truth[q.pk] for q in decided) / len(decided) >= 0.99
    assert result.n_stopped == 2
