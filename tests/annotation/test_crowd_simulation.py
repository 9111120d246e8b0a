"""The whole consensus loop on a simulated crowd (issue 25): 30 careful annotators with accuracies
drawn from U(0.75, 0.95), 5 answering at random, 10,000 questions, the default settings
(5 votes, more while undecided, stop at 0.95 / 0.05, at most 9, 10% gold, stop below 0.6).

Plain pytest: no database. About 1.5 s of CPU.
"""

from __future__ import annotations

import numpy as np
import pytest

from challenge.annotation.consensus import ConsensusSettings, questions_needing_votes
from challenge.annotation.simulation import simulate_crowd

SEED = 2025


@pytest.fixture(scope="module")
def run():
    accuracies = np.random.default_rng(SEED).uniform(0.75, 0.95, size=30)
    return simulate_crowd(accuracies=accuracies, n_random=5, n_questions=10_000, settings=ConsensusSettings(), seed=SEED)


def test_the_crowd_recovers_the_labels(run):
    assert run.n_questions == 10_000
    assert run.correct_share() >= 0.99


def test_the_random_answerers_are_stopped_and_nobody_else(run):
    assert run.random.sum() == 5
    assert (run.stopped == run.random).all()


def test_every_question_ends_decided_or_full(run):
    s = ConsensusSettings()
    counted = run.counted_votes_per_question()
    assert counted.min() >= s.min_votes and counted.max() <= s.max_votes
    assert not questions_needing_votes(counted, run.posterior, s).any()
    assert (counted > s.min_votes).any()  # disagreement did ask for more votes


def test_gold_is_about_a_tenth_of_each_careful_annotators_answers(run):
    on_gold = run.votes.question >= run.n_questions
    per_annotator = np.bincount(run.votes.annotator, minlength=35)
    gold_share = np.bincount(run.votes.annotator[on_gold], minlength=35) / per_annotator
    assert ((gold_share[~run.random] > 0.07) & (gold_share[~run.random] < 0.13)).all()
