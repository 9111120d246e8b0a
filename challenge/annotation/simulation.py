"""A simulated crowd running the site's whole consensus loop: assign, answer, aggregate, stop.

Used by the tests (and usable by a demo or a bench) to check that dynamic consensus with
Dawid & Skene recovers the truth from annotators of known accuracy, and that annotators who
answer at random are stopped. Pure numpy; no Django.

The crowd: annotator ``a`` of accuracy ``p`` gives the right answer (yes for a valid label, no
for an invalid one) with probability ``p``; otherwise "maybe" three times in ten and the wrong
answer seven. Random annotators answer no, maybe or yes with a third each.

The loop, in waves of questions (as organizers upload them): every round, each open question
(:func:`~challenge.annotation.consensus.questions_needing_votes`) gets the votes it still
lacks (up to ``min_votes`` on its first round, then one more), each from the annotator
:func:`~challenge.annotation.consensus.choose_annotator` picks; after each of their answers an
annotator meets a gold question with the odds that make ``gold_share`` of their answers gold.
After the round, Dawid & Skene (gold clamped) runs on the votes that count, reliability is
estimated, and annotators below the bar are stopped for good: their votes stop counting and
their questions get new ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .consensus import (
    MAYBE,
    NO,
    YES,
    ConsensusSettings,
    GoldAnswers,
    Votes,
    annotator_reliability,
    choose_annotator,
    dawid_skene,
    questions_needing_votes,
    stopped_annotators,
)

__all__ = ["SimulationResult", "simulate_crowd"]

#: Of an annotator's wrong answers, the share that are "maybe" rather than the opposite answer.
_MAYBE_WHEN_WRONG = 0.3


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """What a simulated run ended with.

    ``truth`` (bool) and ``posterior`` of the ``n_questions`` ordinary questions (the gold ones
    follow them in ``votes``); ``votes``: every vote cast, counted or not; ``stopped`` (bool per
    annotator); ``random`` (bool per annotator: answered at random); ``rounds`` of assignment.
    """

    truth: np.ndarray
    posterior: np.ndarray
    votes: Votes
    gold: GoldAnswers
    stopped: np.ndarray
    random: np.ndarray
    rounds: int

    @property
    def n_questions(self) -> int:
        """Number of ordinary (non-gold) questions."""
        return int(self.truth.shape[0])

    def correct_share(self) -> float:
        """Share of ordinary questions whose recovered label (posterior >= 0.5) is the truth."""
        return float(((self.posterior >= 0.5) == self.truth).mean())

    def counted_votes_per_question(self) -> np.ndarray:
        """Votes that count (annotators not stopped) per ordinary question."""
        counted = self.votes.without_annotators(self.stopped)
        return counted.votes_per_question()[: self.n_questions]


def simulate_crowd(
    *,
    accuracies: np.ndarray,
    n_random: int,
    n_questions: int,
    settings: ConsensusSettings,
    seed: int,
    valid_share: float = 0.6,
    n_gold: int | None = None,
    wave_size: int = 1000,
) -> SimulationResult:
    """Run the consensus loop on simulated annotators and questions; see the module docstring.

    ``accuracies`` are the careful annotators' accuracies; ``n_random`` more answer at random.
    ``valid_share`` of the questions are valid. ``n_gold`` gold questions (default: 10% of
    ``n_questions``, at least 50) with known truth are served at ``settings.gold_share``. All
    randomness comes from ``seed``. Raises ``ValueError`` for an accuracy outside [0, 1], no
    annotators, or non-positive counts.
    """
    accuracies = np.asarray(accuracies, dtype=np.float64)
    if ((accuracies < 0) | (accuracies > 1)).any():
        raise ValueError("accuracies must lie in [0, 1]")
    if n_questions < 1 or wave_size < 1 or n_random < 0:
        raise ValueError("n_questions and wave_size must be positive, n_random non-negative")
    n_annotators = accuracies.size + n_random
    if n_annotators == 0:
        raise ValueError("the crowd has no annotators")
    rng = np.random.default_rng(seed)
    n_gold = max(n_questions // 10, 50) if n_gold is None else n_gold
    n_all = n_questions + n_gold
    truth = rng.random(n_all) < valid_share
    gold = GoldAnswers(np.arange(n_questions, n_all), truth[n_questions:])
    accuracy = np.concatenate([accuracies, np.full(n_random, np.nan)])
    is_random = np.isnan(accuracy)
    gold_odds = settings.gold_share / (1.0 - settings.gold_share)

    voters: list[list[int]] = [[] for _ in range(n_all)]
    gold_seen: list[set[int]] = [set() for _ in range(n_annotators)]
    load = np.zeros(n_annotators, dtype=np.int64)
    stopped = np.zeros(n_annotators, dtype=bool)
    cast_q: list[np.ndarray] = []
    cast_a: list[np.ndarray] = []
    cast_k: list[np.ndarray] = []
    released = min(wave_size, n_questions)
    rounds = 0
    while True:
        votes = _votes(cast_q, cast_a, cast_k, n_all, n_annotators)
        posterior = dawid_skene(votes.without_annotators(stopped), gold=gold).posterior
        counted = votes.without_annotators(stopped).votes_per_question()[:released]
        open_q = np.flatnonzero(questions_needing_votes(counted, posterior[:released], settings))
        if open_q.size == 0 and released < n_questions:
            released = min(released + wave_size, n_questions)
            continue
        if open_q.size == 0:
            break
        rounds += 1
        round_q: list[int] = []
        round_a: list[int] = []
        for q in rng.permutation(open_q).tolist():
            have = int(counted[q])
            wanted = settings.min_votes - have if have < settings.min_votes else 1
            for _ in range(min(wanted, settings.max_votes - have)):
                a = choose_annotator(answered=np.asarray(voters[q], dtype=np.intp), stopped=stopped, load=load, rng=rng)
                if a is None:
                    break
                voters[q].append(a)
                round_q.append(q)
                round_a.append(a)
                load[a] += 1
                if rng.random() < gold_odds:
                    g = _unseen_gold(gold.question, gold_seen[a], rng)
                    if g is not None:
                        gold_seen[a].add(g)
                        round_q.append(g)
                        round_a.append(a)
                        load[a] += 1
        if not round_q:
            break
        qs = np.asarray(round_q, dtype=np.intp)
        annotators = np.asarray(round_a, dtype=np.intp)
        cast_q.append(qs)
        cast_a.append(annotators)
        cast_k.append(_answers(truth[qs], accuracy[annotators], rng))
        votes = _votes(cast_q, cast_a, cast_k, n_all, n_annotators)
        fitted = dawid_skene(votes.without_annotators(stopped), gold=gold)
        reliability = annotator_reliability(votes, fitted.posterior, gold=gold)
        stopped |= stopped_annotators(reliability, below=settings.stop_below, after_answers=settings.judge_after)
    return SimulationResult(truth[:n_questions], posterior[:n_questions], votes, gold, stopped, is_random, rounds)


def _votes(qs: list[np.ndarray], annotators: list[np.ndarray], answers: list[np.ndarray], n_q: int, n_a: int) -> Votes:
    if not qs:
        empty = np.zeros(0, dtype=np.intp)
        return Votes(empty, empty, np.zeros(0, dtype=np.int8), n_q, n_a)
    return Votes(np.concatenate(qs), np.concatenate(annotators), np.concatenate(answers), n_q, n_a)


def _unseen_gold(pool: np.ndarray, seen: set[int], rng: np.random.Generator) -> int | None:
    if len(seen) >= pool.size:
        return None
    while True:
        g = int(pool[rng.integers(pool.size)])
        if g not in seen:
            return g


def _answers(valid: np.ndarray, accuracy: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    right = np.where(valid, YES, NO)
    wrong = np.where(valid, NO, YES)
    u = rng.random(valid.size)
    w = rng.random(valid.size)
    careful = np.where(u < accuracy, right, np.where(w < _MAYBE_WHEN_WRONG, MAYBE, wrong))
    at_random = rng.integers(0, 3, size=valid.size)
    return np.where(np.isnan(accuracy), at_random, careful).astype(np.int8)
