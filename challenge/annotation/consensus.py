"""Consensus of a crowd's yes / maybe / no answers: majority vote, Dawid & Skene, reliability,
and ImageNet's dynamic consensus. Pure numpy; no Django.

A *question* asks whether a label is valid for an image ("does this image show a kit fox?").
Its truth has two classes, invalid (0) and valid (1); an annotator answers no (0), maybe (1) or
yes (2). Votes are three parallel arrays (:class:`Votes`): question index, annotator index and
answer, one entry per vote, so every computation here is a handful of ``np.bincount`` calls over
the votes, never a Python loop per vote.

Aggregations give a *posterior* per question, P(valid | votes):

* :func:`majority_vote`: the share of votes for "valid", a "maybe" counting half.
* :func:`dawid_skene`: Dawid & Skene (1979), "Maximum likelihood estimation of observer
  error-rates using the EM algorithm": every annotator has a 2 x 3 confusion matrix
  P(answer | truth), the truth a prior P(valid); EM alternates the posteriors (E-step) and the
  matrices and prior (M-step). Gold questions may be clamped to their known truth, and the
  matrices may instead be fixed from the answers to gold questions (:func:`gold_confusion`),
  which is how Beyer et al. 2020 ("Are we done with ImageNet?") come closest (see
  ``challenge/annotation/reassessed.py``).

Reliability (:func:`annotator_reliability`) is an annotator's estimated accuracy, from gold
questions and from agreement with the posteriors; :func:`stopped_annotators` says who falls
below the bar (0.6 by default). Dynamic consensus (:class:`ConsensusSettings`,
:func:`questions_needing_votes`, :func:`needs_another_vote`, :func:`choose_annotator`,
:func:`choose_question`) decides which question gets another vote and from whom.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "ALGORITHMS",
    "ANSWER_NAMES",
    "LOWEST_MIN_VOTES",
    "MAYBE",
    "MAYBE_CREDIT",
    "NO",
    "YES",
    "ConsensusSettings",
    "DawidSkeneModel",
    "DawidSkeneResult",
    "GoldAnswers",
    "Reliability",
    "Votes",
    "aggregate",
    "annotator_reliability",
    "choose_annotator",
    "choose_question",
    "dawid_skene",
    "gold_confusion",
    "majority_vote",
    "needs_another_vote",
    "questions_needing_votes",
    "stopped_annotators",
    "votes_from_one_hot",
]

NO, MAYBE, YES = 0, 1, 2
ANSWER_NAMES = ("no", "maybe", "yes")
_N_ANSWERS = 3
#: What a "maybe" earns in a majority vote and in an accuracy: half of a right answer.
MAYBE_CREDIT = 0.5
#: The fewest votes a question may be set to need (ImageNet asked at least 3 people).
LOWEST_MIN_VOTES = 3
# Posteriors, priors and matrix cells are kept this far from 0 and 1 so that logarithms stay finite.
_EPS = 1e-12


# ---------------------------------------------------------------------------------------- votes
@dataclass(frozen=True, eq=False)
class Votes:
    """Votes as parallel arrays: vote ``v`` is annotator ``annotator[v]`` answering question
    ``question[v]`` with ``answer[v]`` (0 no, 1 maybe, 2 yes).

    ``question`` and ``annotator`` are ``intp`` in ``0..n_questions-1`` and ``0..n_annotators-1``;
    ``answer`` is ``int8``. Build with :meth:`from_arrays`, which validates; the constructor
    trusts its arguments.
    """

    question: np.ndarray
    annotator: np.ndarray
    answer: np.ndarray
    n_questions: int
    n_annotators: int

    @classmethod
    def from_arrays(
        cls,
        question: np.ndarray,
        annotator: np.ndarray,
        answer: np.ndarray,
        *,
        n_questions: int | None = None,
        n_annotators: int | None = None,
    ) -> Votes:
        """Validate and wrap three parallel integer arrays.

        ``n_questions`` / ``n_annotators`` default to one more than the largest index. Raises
        ``ValueError`` when the arrays are not 1-D integer arrays of one length, an index is
        negative or not below its count, an answer is not 0, 1 or 2, or an annotator answered a
        question twice (Dawid & Skene takes the votes of a question to be independent).
        """
        arrays = [np.asarray(x) for x in (question, annotator, answer)]
        for name, x in zip(("question", "annotator", "answer"), arrays):
            if x.ndim != 1:
                raise ValueError(f"{name} must be a 1-D array, got shape {x.shape}")
            if x.size and not np.issubdtype(x.dtype, np.integer):
                raise ValueError(f"{name} must hold integers, got {x.dtype}")
        q, a, k = arrays
        if not len(q) == len(a) == len(k):
            raise ValueError(f"question, annotator and answer differ in length: {len(q)}, {len(a)}, {len(k)}")
        n_questions = int(q.max()) + 1 if n_questions is None and q.size else int(n_questions or 0)
        n_annotators = int(a.max()) + 1 if n_annotators is None and a.size else int(n_annotators or 0)
        for name, x, n in (("question", q, n_questions), ("annotator", a, n_annotators)):
            if x.size and (int(x.min()) < 0 or int(x.max()) >= n):
                bad = int(np.flatnonzero((x < 0) | (x >= n))[0])
                raise ValueError(f"vote {bad}: {name} index {int(x[bad])} outside 0..{n - 1}")
        if k.size and (int(k.min()) < NO or int(k.max()) > YES):
            bad = int(np.flatnonzero((k < NO) | (k > YES))[0])
            raise ValueError(f"vote {bad}: answer {int(k[bad])} is not 0 (no), 1 (maybe) or 2 (yes)")
        q = q.astype(np.intp, copy=False)
        a = a.astype(np.intp, copy=False)
        pair = q.astype(np.int64) * max(n_annotators, 1) + a
        order = np.argsort(pair, kind="stable")
        repeated = np.flatnonzero(pair[order][1:] == pair[order][:-1])
        if repeated.size:
            v = int(order[repeated[0] + 1])
            raise ValueError(f"vote {v}: annotator {int(a[v])} already answered question {int(q[v])}")
        return cls(q, a, k.astype(np.int8, copy=False), n_questions, n_annotators)

    @property
    def n_votes(self) -> int:
        """Number of votes."""
        return int(self.question.shape[0])

    def counts(self) -> np.ndarray:
        """``(n_questions, 3)`` int64: how many no, maybe and yes answers each question has."""
        cell = self.question * _N_ANSWERS + self.answer
        return np.bincount(cell, minlength=self.n_questions * _N_ANSWERS).reshape(self.n_questions, _N_ANSWERS)

    def votes_per_question(self) -> np.ndarray:
        """``(n_questions,)`` int64: number of votes of each question."""
        return np.bincount(self.question, minlength=self.n_questions)

    def votes_per_annotator(self) -> np.ndarray:
        """``(n_annotators,)`` int64: number of votes of each annotator."""
        return np.bincount(self.annotator, minlength=self.n_annotators)

    def select(self, keep: np.ndarray) -> Votes:
        """The votes where the boolean ``keep`` (one per vote) is true; same question and annotator counts."""
        return Votes(self.question[keep], self.annotator[keep], self.answer[keep], self.n_questions, self.n_annotators)

    def without_annotators(self, stopped: np.ndarray) -> Votes:
        """The votes of annotators whose entry of the boolean ``stopped`` (one per annotator) is false."""
        return self.select(~np.asarray(stopped, dtype=bool)[self.annotator])


def votes_from_one_hot(tensor: np.ndarray, *, first_annotator: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Votes of a dense one-hot tensor ``(annotators, questions, 3)`` (no / maybe / yes).

    Returns ``(question, annotator, answer)`` arrays ordered by annotator then question;
    annotator indices start at ``first_annotator`` (so a big tensor can be read a slab of
    annotators at a time). A row of zeros is "not asked". Raises ``ValueError`` when the tensor
    is not 3-D with 3 answers, holds a value other than 0 and 1, or a row has two answers.
    """
    t = np.asarray(tensor)
    if t.ndim != 3 or t.shape[2] != _N_ANSWERS:
        raise ValueError(f"expected a one-hot tensor (annotators, questions, 3), got shape {t.shape}")
    bad = (t != 0) & (t != 1)
    if bad.any():
        r, q, k = (int(i[0]) for i in np.nonzero(bad))
        raise ValueError(f"annotator {first_annotator + r}, question {q}: value {t[r, q, k].item()!r} is not 0 or 1")
    per_row = np.count_nonzero(t, axis=2)
    if (per_row > 1).any():
        r, q = (int(i[0]) for i in np.nonzero(per_row > 1))
        raise ValueError(f"annotator {first_annotator + r}, question {q}: more than one answer")
    r, q, k = np.nonzero(t)
    return q.astype(np.intp), (r + first_annotator).astype(np.intp), k.astype(np.int8)


@dataclass(frozen=True, eq=False)
class GoldAnswers:
    """Questions whose truth is known: ``question`` (unique indices) and ``valid`` (bool), parallel."""

    question: np.ndarray
    valid: np.ndarray

    def __post_init__(self) -> None:
        q = np.asarray(self.question)
        v = np.asarray(self.valid)
        if q.ndim != 1 or v.shape != q.shape:
            raise ValueError(f"gold questions and answers must be 1-D of one length, got {q.shape} and {v.shape}")
        if q.size and not np.issubdtype(q.dtype, np.integer):
            raise ValueError(f"gold questions must be integer indices, got {q.dtype}")
        if q.size and int(q.min()) < 0:
            raise ValueError(f"gold question index {int(q.min())} is negative")
        if np.unique(q).size != q.size:
            raise ValueError("a gold question is listed twice")
        object.__setattr__(self, "question", q.astype(np.intp, copy=False))
        object.__setattr__(self, "valid", v.astype(bool, copy=False))

    def mask(self, n_questions: int) -> np.ndarray:
        """``(n_questions,)`` bool: which questions are gold. Raises ``ValueError`` for an index out of range."""
        if self.question.size and int(self.question.max()) >= n_questions:
            raise ValueError(f"gold question {int(self.question.max())} outside 0..{n_questions - 1}")
        m = np.zeros(n_questions, dtype=bool)
        m[self.question] = True
        return m

    def truth(self, n_questions: int) -> np.ndarray:
        """``(n_questions,)`` float: 1.0 / 0.0 for gold questions, NaN elsewhere."""
        t = np.full(n_questions, np.nan)
        self.mask(n_questions)
        t[self.question] = self.valid
        return t


# -------------------------------------------------------------------------------- majority vote
def majority_vote(votes: Votes, *, maybe_credit: float = MAYBE_CREDIT) -> np.ndarray:
    """Posterior per question by majority: the share of its votes that say "valid".

    A yes counts 1, a no 0 and a maybe ``maybe_credit`` (half by default: a "maybe" pulls a
    question towards 0.5, never across it). A question without votes gets 0.5. So 3 yes and 2 no
    give 0.6, 2 yes, 2 maybe and 1 no give 0.6, and only a unanimous yes reaches 1.
    """
    c = votes.counts().astype(np.float64)
    n = c.sum(axis=1)
    share = (c[:, YES] + maybe_credit * c[:, MAYBE]) / np.maximum(n, 1)
    return np.where(n > 0, share, 0.5)


# ------------------------------------------------------------------------------ Dawid and Skene
@dataclass(frozen=True, eq=False)
class DawidSkeneModel:
    """Fitted parameters: ``confusion[a, t, k]`` = P(annotator ``a`` answers ``k`` | truth ``t``)
    (``(n_annotators, 2, 3)``, truth 0 invalid / 1 valid, rows summing to 1) and ``prior`` = P(valid)."""

    confusion: np.ndarray
    prior: float

    def vote_log_odds(self) -> np.ndarray:
        """``(n_annotators, 3)``: how much each answer of each annotator moves the log-odds of "valid"."""
        c = np.clip(self.confusion, _EPS, 1.0)
        return np.log(c[:, 1, :]) - np.log(c[:, 0, :])

    def prior_log_odds(self) -> float:
        """log(prior / (1 - prior))."""
        p = min(max(self.prior, _EPS), 1 - _EPS)
        return float(np.log(p) - np.log1p(-p))

    def posterior(self, votes: Votes) -> np.ndarray:
        """P(valid) of every question of ``votes`` under this model (one E-step, no refitting);
        a question without votes gets the prior."""
        llr = self.vote_log_odds()[votes.annotator, votes.answer]
        evidence = self.prior_log_odds() + np.bincount(votes.question, weights=llr, minlength=votes.n_questions)
        return _sigmoid(evidence)

    def question_posterior(self, annotators: np.ndarray, answers: np.ndarray) -> float:
        """P(valid) of one question from its votes (parallel arrays of annotator indices and answers)."""
        llr = self.vote_log_odds()[np.asarray(annotators, dtype=np.intp), np.asarray(answers, dtype=np.intp)]
        return float(_sigmoid(np.asarray(self.prior_log_odds() + llr.sum())))

    def accuracy(self) -> np.ndarray:
        """``(n_annotators,)`` expected accuracy: P(a right answer) under the prior, a maybe earning half.

        An annotator answering at random (a third each) scores 0.5, whatever the prior.
        """
        c = self.confusion
        right_if_valid = c[:, 1, YES] + MAYBE_CREDIT * c[:, 1, MAYBE]
        right_if_invalid = c[:, 0, NO] + MAYBE_CREDIT * c[:, 0, MAYBE]
        return self.prior * right_if_valid + (1 - self.prior) * right_if_invalid


@dataclass(frozen=True, eq=False)
class DawidSkeneResult:
    """What :func:`dawid_skene` found: the ``model``, the ``posterior`` P(valid) per question
    (gold questions at their known truth), the EM ``iterations`` run, whether the posteriors
    ``converged`` within the tolerance, and the ``log_likelihood`` of the votes under the model."""

    model: DawidSkeneModel
    posterior: np.ndarray
    iterations: int
    converged: bool
    log_likelihood: float


def gold_confusion(votes: Votes, gold: GoldAnswers, *, smoothing: float = 0.1) -> np.ndarray:
    """Confusion matrices ``(n_annotators, 2, 3)`` counted from the answers to gold questions.

    ``confusion[a, t, k]`` is the share of annotator ``a``'s answers to gold questions of truth
    ``t`` that were ``k``, after adding ``smoothing`` to every count. An annotator without gold
    answers of some truth gets, for that truth, the pooled shares of everyone's gold answers.
    Only the votes on gold questions are read. Raises ``ValueError`` for a gold question outside
    the votes' questions, or when no gold question of some truth has a vote.
    """
    truth = gold.truth(votes.n_questions)
    on_gold = ~np.isnan(truth[votes.question])
    a = votes.annotator[on_gold]
    k = votes.answer[on_gold]
    t = truth[votes.question[on_gold]].astype(np.intp)
    cells = (a * 2 + t) * _N_ANSWERS + k
    counts = np.bincount(cells, minlength=votes.n_annotators * 2 * _N_ANSWERS).astype(np.float64)
    counts = counts.reshape(votes.n_annotators, 2, _N_ANSWERS)
    pooled = counts.sum(axis=0)
    if (pooled.sum(axis=1) == 0).any():
        raise ValueError("the gold questions need votes on both valid and invalid questions")
    pooled = pooled / pooled.sum(axis=1, keepdims=True)
    missing = counts.sum(axis=2) == 0
    counts = counts + smoothing
    sums = counts.sum(axis=2, keepdims=True)
    shares = np.divide(counts, sums, out=np.zeros_like(counts), where=sums > 0)
    shares[missing] = np.broadcast_to(pooled, shares.shape)[missing]
    return shares


def dawid_skene(
    votes: Votes,
    *,
    gold: GoldAnswers | None = None,
    confusion: np.ndarray | None = None,
    prior: float | None = None,
    smoothing: float = 1.0,
    max_iterations: int = 500,
    tolerance: float = 1e-6,
    initial_posterior: np.ndarray | None = None,
) -> DawidSkeneResult:
    """Dawid & Skene's EM for a two-class truth (valid or not) and three answers.

    Starts from ``initial_posterior`` (default :func:`majority_vote`), then repeats:

    * M-step: each annotator's confusion matrix is its posterior-weighted answer counts plus
      ``smoothing`` in every cell (a Dirichlet prior; it keeps matrices of annotators with few
      votes away from 0 and 1), normalised per truth; the prior P(valid) is the mean posterior
      of the non-gold questions that have votes.
    * E-step: log-odds(valid) = log-odds(prior) + the sum over the question's votes of
      log P(answer | valid) - log P(answer | invalid); the posterior is its logistic.

    until no posterior moves by more than ``tolerance`` (``converged``) or after
    ``max_iterations``. Gold questions (``gold``) are clamped to their known truth throughout:
    they teach the matrices and keep their answers. A given ``confusion`` (e.g. from
    :func:`gold_confusion`) is kept fixed, and a given ``prior`` too; with both fixed this is one
    E-step. Runs in O(votes) per iteration with no Python loop per vote.

    Raises ``ValueError`` for a ``confusion`` of the wrong shape or rows not summing to 1, a
    ``prior`` outside (0, 1), a negative ``smoothing``, ``max_iterations`` below 1, an ``initial_posterior`` of the wrong
    length, or a gold question outside the votes' questions.
    """
    n_q, n_a = votes.n_questions, votes.n_annotators
    if confusion is not None:
        confusion = np.asarray(confusion, dtype=np.float64)
        if confusion.shape != (n_a, 2, _N_ANSWERS):
            raise ValueError(f"confusion must have shape {(n_a, 2, _N_ANSWERS)}, got {confusion.shape}")
        if not np.allclose(confusion.sum(axis=2), 1.0) or (confusion < 0).any():
            raise ValueError("each row of a confusion matrix must be probabilities summing to 1")
    if prior is not None and not 0.0 < prior < 1.0:
        raise ValueError(f"prior must be in (0, 1), got {prior}")
    if smoothing < 0:
        raise ValueError(f"smoothing must be >= 0, got {smoothing}")
    if max_iterations < 1:
        raise ValueError(f"max_iterations must be >= 1, got {max_iterations}")
    if gold is not None:
        gold_mask = gold.mask(n_q)
        gold_q, gold_valid = gold.question, gold.valid.astype(np.float64)
    else:
        gold_mask = np.zeros(n_q, dtype=bool)
        gold_q, gold_valid = np.zeros(0, dtype=np.intp), np.zeros(0)
    if initial_posterior is None:
        post = majority_vote(votes)
    else:
        post = np.array(initial_posterior, dtype=np.float64)
        if post.shape != (n_q,):
            raise ValueError(f"initial_posterior must have shape ({n_q},), got {post.shape}")
    post[gold_q] = gold_valid
    # The prior is learnt from the questions that carry evidence and were drawn like the rest.
    free = ~gold_mask & (votes.votes_per_question() > 0)
    cell = votes.annotator * _N_ANSWERS + votes.answer
    totals = np.bincount(cell, minlength=n_a * _N_ANSWERS).astype(np.float64).reshape(n_a, _N_ANSWERS)

    fixed = confusion is not None and prior is not None
    converged = False
    for iterations in range(1, max_iterations + 1):
        model = _m_step(post, votes.question, cell, totals, free, smoothing, confusion, prior)
        new = _sigmoid(_log_odds(model, votes, cell))
        new[gold_q] = gold_valid
        change = float(np.abs(new - post).max()) if n_q else 0.0
        post = new
        if fixed or change < tolerance:
            converged = True
            break
    log_valid, log_invalid = _log_joint(model, votes, cell)
    log_likelihood = float(np.logaddexp(log_valid, log_invalid).sum())
    return DawidSkeneResult(model, post, iterations, converged, log_likelihood)


def _m_step(
    post: np.ndarray,
    question: np.ndarray,
    cell: np.ndarray,
    totals: np.ndarray,
    free: np.ndarray,
    smoothing: float,
    confusion: np.ndarray | None,
    prior: float | None,
) -> DawidSkeneModel:
    if confusion is None:
        valid = np.bincount(cell, weights=post[question], minlength=totals.size).reshape(totals.shape)
        invalid = totals - valid
        counts = np.stack([invalid, valid], axis=1) + smoothing
        sums = counts.sum(axis=2, keepdims=True)
        confusion = np.divide(counts, sums, out=np.full_like(counts, 1.0 / _N_ANSWERS), where=sums > 0)
    if prior is None:
        prior = float(post[free].mean()) if free.any() else 0.5
        prior = min(max(prior, 1e-6), 1 - 1e-6)
    return DawidSkeneModel(confusion, prior)


def _log_odds(model: DawidSkeneModel, votes: Votes, cell: np.ndarray) -> np.ndarray:
    """Per question: log-odds of valid given its votes (the E-step)."""
    llr = model.vote_log_odds().ravel()[cell]
    return model.prior_log_odds() + np.bincount(votes.question, weights=llr, minlength=votes.n_questions)


def _log_joint(model: DawidSkeneModel, votes: Votes, cell: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per question: log P(valid, votes) and log P(invalid, votes)."""
    c = np.log(np.clip(model.confusion, _EPS, 1.0))
    p = min(max(model.prior, _EPS), 1 - _EPS)
    n = votes.n_questions
    valid = np.log(p) + np.bincount(votes.question, weights=c[:, 1, :].ravel()[cell], minlength=n)
    invalid = np.log1p(-p) + np.bincount(votes.question, weights=c[:, 0, :].ravel()[cell], minlength=n)
    return valid, invalid


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -x))


#: Aggregations an organizer may choose, by name (see :func:`aggregate`).
ALGORITHMS = ("majority", "dawid-skene", "dawid-skene-gold")


def aggregate(votes: Votes, *, algorithm: str, gold: GoldAnswers | None = None) -> np.ndarray:
    """Posterior P(valid) per question by a named algorithm.

    ``"majority"``: :func:`majority_vote` (gold questions set to their truth);
    ``"dawid-skene"``: :func:`dawid_skene` with gold questions clamped;
    ``"dawid-skene-gold"``: :func:`dawid_skene` with the confusion matrices fixed from the gold
    questions (:func:`gold_confusion`) and the prior learnt. Raises ``ValueError`` for an unknown
    algorithm, ``"dawid-skene-gold"`` without gold, and as the functions named.
    """
    if algorithm == "majority":
        post = majority_vote(votes)
        if gold is not None:
            gold.mask(votes.n_questions)
            post[gold.question] = gold.valid
        return post
    if algorithm == "dawid-skene":
        return dawid_skene(votes, gold=gold).posterior
    if algorithm == "dawid-skene-gold":
        if gold is None:
            raise ValueError("dawid-skene-gold needs gold questions")
        return dawid_skene(votes, gold=gold, confusion=gold_confusion(votes, gold)).posterior
    raise ValueError(f"unknown algorithm {algorithm!r}; expected one of {', '.join(ALGORITHMS)}")


# -------------------------------------------------------------------------------- reliability
@dataclass(frozen=True, eq=False)
class Reliability:
    """Per annotator: the ``accuracy`` estimate that decides stopping; the number of
    ``gold_answers`` and the share right among them (``gold_accuracy``, NaN without gold
    answers); the number of other answers (``agreement_answers``) and their expected share right
    against the posteriors (``agreement_accuracy``, NaN without any)."""

    accuracy: np.ndarray
    gold_answers: np.ndarray
    gold_accuracy: np.ndarray
    agreement_answers: np.ndarray
    agreement_accuracy: np.ndarray

    @property
    def answers(self) -> np.ndarray:
        """All answers the estimate rests on, per annotator."""
        return self.gold_answers + self.agreement_answers


def annotator_reliability(
    votes: Votes,
    posterior: np.ndarray,
    *,
    gold: GoldAnswers | None = None,
    prior_accuracy: float = 0.75,
    prior_answers: float = 4.0,
) -> Reliability:
    """Each annotator's estimated accuracy, from gold questions and from agreement.

    An answer earns its credit: on a question of probability ``p`` of being valid (the known
    truth, 1 or 0, on a gold question; the ``posterior`` elsewhere) a yes earns ``p``, a no
    ``1 - p`` and a maybe half. The estimate is the annotator's credits plus ``prior_answers``
    answers at ``prior_accuracy``, over their answers plus ``prior_answers``: a newcomer starts
    near the prior and is judged by their answers as they come. Agreement credits include the
    annotator's own influence on the posterior (one vote of several), so gold answers, which
    have none, are the sharper measure. Raises ``ValueError`` when ``posterior`` does not have
    one entry per question, and for a gold question outside the votes' questions.
    """
    posterior = np.asarray(posterior, dtype=np.float64)
    if posterior.shape != (votes.n_questions,):
        raise ValueError(f"posterior must have shape ({votes.n_questions},), got {posterior.shape}")
    p = posterior.copy()
    is_gold = np.zeros(votes.n_questions, dtype=bool)
    if gold is not None:
        is_gold = gold.mask(votes.n_questions)
        p[gold.question] = gold.valid
    pv = p[votes.question]
    credit = np.where(votes.answer == YES, pv, np.where(votes.answer == NO, 1.0 - pv, MAYBE_CREDIT))
    on_gold = is_gold[votes.question]
    n_a = votes.n_annotators
    gold_n = np.bincount(votes.annotator[on_gold], minlength=n_a)
    gold_credit = np.bincount(votes.annotator[on_gold], weights=credit[on_gold], minlength=n_a)
    agree_n = np.bincount(votes.annotator[~on_gold], minlength=n_a)
    agree_credit = np.bincount(votes.annotator[~on_gold], weights=credit[~on_gold], minlength=n_a)
    with np.errstate(invalid="ignore", divide="ignore"):
        gold_acc = np.where(gold_n > 0, gold_credit / gold_n, np.nan)
        agree_acc = np.where(agree_n > 0, agree_credit / agree_n, np.nan)
    accuracy = (gold_credit + agree_credit + prior_accuracy * prior_answers) / (gold_n + agree_n + prior_answers)
    return Reliability(accuracy, gold_n, gold_acc, agree_n, agree_acc)


def stopped_annotators(reliability: Reliability, *, below: float = 0.6, after_answers: int = 20) -> np.ndarray:
    """``(n_annotators,)`` bool: whose estimated accuracy is below ``below`` once they have given
    at least ``after_answers`` answers. Stopping is for the caller to keep: an annotator once
    stopped receives no more questions and their votes stop counting
    (:meth:`Votes.without_annotators`)."""
    return (reliability.accuracy < below) & (reliability.answers >= after_answers)


# --------------------------------------------------------------------------- dynamic consensus
@dataclass(frozen=True)
class ConsensusSettings:
    """ImageNet's dynamic consensus, as organizers set it.

    A question gets ``min_votes`` votes (5 by default, never fewer than
    :data:`LOWEST_MIN_VOTES`), then one more at a time while its posterior lies strictly between
    ``reject_at`` and ``accept_at`` (annotators disagree), up to ``max_votes``. ``gold_share`` of
    each annotator's questions are gold, mixed in unseen. An annotator whose estimated accuracy
    falls below ``stop_below`` after ``judge_after`` answers is stopped. Raises ``ValueError``
    for numbers out of order or range.
    """

    min_votes: int = 5
    max_votes: int = 9
    accept_at: float = 0.95
    reject_at: float = 0.05
    gold_share: float = 0.10
    stop_below: float = 0.6
    judge_after: int = 20

    def __post_init__(self) -> None:
        if not LOWEST_MIN_VOTES <= self.min_votes <= self.max_votes:
            raise ValueError(
                f"votes per question: need {LOWEST_MIN_VOTES} <= min_votes <= max_votes, "
                f"got {self.min_votes} and {self.max_votes}"
            )
        if not 0.0 <= self.reject_at < self.accept_at <= 1.0:
            raise ValueError(f"need 0 <= reject_at < accept_at <= 1, got {self.reject_at} and {self.accept_at}")
        if not 0.0 <= self.gold_share < 1.0:
            raise ValueError(f"gold_share must be in [0, 1), got {self.gold_share}")
        if not 0.0 <= self.stop_below <= 1.0:
            raise ValueError(f"stop_below must be in [0, 1], got {self.stop_below}")
        if self.judge_after < 0:
            raise ValueError(f"judge_after must be >= 0, got {self.judge_after}")


def questions_needing_votes(vote_counts: np.ndarray, posterior: np.ndarray, settings: ConsensusSettings) -> np.ndarray:
    """Bool per question: does it need another vote?

    Yes while it has fewer than ``min_votes`` counted votes; no once it has ``max_votes``;
    in between, yes while ``reject_at < posterior < accept_at``.
    """
    n = np.asarray(vote_counts)
    p = np.asarray(posterior)
    undecided = (p > settings.reject_at) & (p < settings.accept_at)
    return (n < settings.min_votes) | ((n < settings.max_votes) & undecided)


def needs_another_vote(
    annotators: np.ndarray,
    answers: np.ndarray,
    *,
    settings: ConsensusSettings,
    model: DawidSkeneModel | None = None,
) -> bool:
    """Does a question with these counted votes (parallel annotator indices and answers) need another?

    Its posterior comes from ``model`` (the last fitted :class:`DawidSkeneModel`; no refit) or,
    without one, from the majority vote; then :func:`questions_needing_votes` decides.
    """
    answers = np.asarray(answers, dtype=np.intp)
    if model is not None:
        p = model.question_posterior(annotators, answers)
    elif answers.size:
        p = float(((answers == YES) + MAYBE_CREDIT * (answers == MAYBE)).mean())
    else:
        p = 0.5
    return bool(questions_needing_votes(np.asarray(answers.size), np.asarray(p), settings))


def choose_annotator(
    *,
    answered: np.ndarray,
    stopped: np.ndarray,
    load: np.ndarray,
    rng: np.random.Generator,
    available: np.ndarray | None = None,
) -> int | None:
    """Who gets the next vote on a question: an annotator who has not ``answered`` it (their
    indices), is not ``stopped`` and is ``available`` (bool per annotator; all by default), with
    the least ``load`` (questions given so far, per annotator); ties broken by ``rng``. ``None``
    when nobody is eligible."""
    eligible = ~np.asarray(stopped, dtype=bool)
    if available is not None:
        eligible &= np.asarray(available, dtype=bool)
    eligible[np.asarray(answered, dtype=np.intp)] = False
    candidates = np.flatnonzero(eligible)
    if candidates.size == 0:
        return None
    loads = np.asarray(load)[candidates]
    least = candidates[loads == loads.min()]
    return int(least[rng.integers(least.size)])


def choose_question(
    *,
    open_questions: np.ndarray,
    gold_questions: np.ndarray,
    answered: np.ndarray,
    gold_share: float,
    rng: np.random.Generator,
) -> int | None:
    """Which question an annotator sees next: with probability ``gold_share`` a gold question,
    else an open one (a question that needs votes), never one they ``answered`` (their question
    indices); the annotator cannot tell which kind they got. Falls back to the other kind when
    one has nothing left for them; ``None`` when neither has. Among open questions the first
    in ``open_questions`` order wins (callers list the most urgent first); gold ones are drawn
    at random."""
    answered = np.asarray(answered, dtype=np.intp)
    open_left = np.asarray(open_questions, dtype=np.intp)
    open_left = open_left[~np.isin(open_left, answered)]
    gold_left = np.asarray(gold_questions, dtype=np.intp)
    gold_left = gold_left[~np.isin(gold_left, answered)]
    want_gold = rng.random() < gold_share
    if gold_left.size and (want_gold or open_left.size == 0):
        return int(gold_left[rng.integers(gold_left.size)])
    if open_left.size:
        return int(open_left[0])
    return None
