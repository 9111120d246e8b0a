"""A slow, readable Dawid & Skene written from the 1979 paper, in plain Python (no numpy).

Votes are (question, annotator, answer) triples; truth 1 is "valid", answers 0 no, 1 maybe,
2 yes. Nothing here is shared with challenge/annotation/consensus.py: the tests check that the
vectorised version takes exactly the same steps.
"""

from __future__ import annotations

import math


def reference_majority(votes: list[tuple[int, int, int]], n_questions: int) -> list[float]:
    """Share of each question's votes for valid, a maybe counting half; 0.5 without votes."""
    credit = {0: 0.0, 1: 0.5, 2: 1.0}
    out = []
    for q in range(n_questions):
        mine = [credit[k] for (qq, _, k) in votes if qq == q]
        out.append(sum(mine) / len(mine) if mine else 0.5)
    return out


def reference_dawid_skene(
    votes: list[tuple[int, int, int]],
    n_questions: int,
    n_annotators: int,
    *,
    iterations: int,
    smoothing: float = 1.0,
    gold: dict[int, bool] | None = None,
    start: list[float] | None = None,
) -> tuple[list[float], list[list[list[float]]], float]:
    """Run ``iterations`` EM steps (M then E); return (posteriors, confusion[a][t][k], prior)."""
    gold = gold or {}
    post = list(start) if start is not None else reference_majority(votes, n_questions)
    for q, valid in gold.items():
        post[q] = 1.0 if valid else 0.0
    voted = {q for (q, _, _) in votes}
    confusion: list[list[list[float]]] = []
    prior = 0.5
    for _ in range(iterations):
        # M-step: expected answer counts per annotator and truth, plus smoothing in every cell.
        confusion = []
        for a in range(n_annotators):
            rows = []
            for truth in (0, 1):
                counts = [smoothing, smoothing, smoothing]
                for q, aa, k in votes:
                    if aa == a:
                        counts[k] += post[q] if truth == 1 else 1.0 - post[q]
                total = sum(counts)
                rows.append([c / total for c in counts] if total > 0 else [1 / 3] * 3)
            confusion.append(rows)
        free = [q for q in range(n_questions) if q in voted and q not in gold]
        prior = sum(post[q] for q in free) / len(free) if free else 0.5
        # E-step: Bayes' rule over each question's votes.
        new = []
        for q in range(n_questions):
            like_valid = prior
            like_invalid = 1.0 - prior
            for qq, a, k in votes:
                if qq == q:
                    like_valid *= confusion[a][1][k]
                    like_invalid *= confusion[a][0][k]
            new.append(like_valid / (like_valid + like_invalid))
        for q, valid in gold.items():
            new[q] = 1.0 if valid else 0.0
        post = new
    return post, confusion, prior


def reference_log_likelihood(
    votes: list[tuple[int, int, int]], n_questions: int, confusion: list[list[list[float]]], prior: float
) -> float:
    """log P(votes) = sum over questions of log(sum over truths of P(truth) * prod P(answer | truth))."""
    total = 0.0
    for q in range(n_questions):
        like_valid = prior
        like_invalid = 1.0 - prior
        for qq, a, k in votes:
            if qq == q:
                like_valid *= confusion[a][1][k]
                like_invalid *= confusion[a][0][k]
        total += math.log(like_valid + like_invalid)
    return total
