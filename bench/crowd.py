"""Crowd consensus on the real ReaL votes (issue 25): agreement with the published labels, and
the time and memory of aggregating all 184,962 questions' votes.

    .venv/bin/python bench/crowd.py

Reads the shipped raters.npz, golden.npz and raters_golden.npz (challenge/data/reassessed/)
into vote arrays (timed apart: a one-time import of the dense files), then aggregates them
with the site's Dawid & Skene (confusion matrices from the gold questions, the variant closest
to the published labels) and compares the posteriors above 0.8 with real.json. Prints:

* ``agreement with published labels: N% (D disagreements of 184,962)`` (bar: >= 98%);
* ``aggregate: N s, N MB``: the best of 3 wall-clock times and the peak memory allocated
  (tracemalloc) while aggregating from arrays (target: < 10 s and < 500 MB), with the ratio to a
  majority vote over the same arrays measured in the same run (one pass over the votes);
* the same two figures for the textbook Dawid & Skene (confusion matrices by EM, gold clamped)
  and the majority vote, for comparison.

:func:`report_lines` builds the lines from the figures so that a version reading the votes from
the database prints exactly the same.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from challenge.annotation.consensus import GoldAnswers, Votes, aggregate  # noqa: E402
from challenge.annotation.reassessed import (  # noqa: E402
    PUBLISHED_THRESHOLD,
    REASSESSED_DATA_DIR,
    Agreement,
    agreement_with_published,
    read_reassessed_votes,
)

TARGET_SECONDS = 10.0
TARGET_MB = 500.0
AGREEMENT_BAR = 0.98


def measure(func: Callable[[], np.ndarray], repeat: int = 3) -> tuple[np.ndarray, float, float]:
    """Run ``func`` ``repeat`` times; return its last result, the best wall-clock seconds and the
    peak megabytes allocated during one run (tracemalloc, which sees numpy's buffers)."""
    times = []
    result = np.zeros(0)
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, min(times), peak / 1e6


def report_lines(agreement: Agreement, seconds: float, megabytes: float) -> list[str]:
    """The two headline lines: agreement with the published labels, and the aggregation's cost."""
    return [
        f"agreement with published labels: {100 * agreement.share:.2f}% "
        f"({agreement.disagreements:,} disagreements of {agreement.total:,})",
        f"aggregate: {seconds:.2f} s, {megabytes:.0f} MB",
    ]


def print_report(agreement: Agreement, seconds: float, megabytes: float, *, baseline_seconds: float | None = None) -> None:
    """Print :func:`report_lines` and whether the bar and targets are met (with the ratio to a
    baseline measured in the same run, when given)."""
    for line in report_lines(agreement, seconds, megabytes):
        print(line)
    print(
        f"  {agreement.algorithm} at posterior > {agreement.threshold}: {agreement.extra:,} valid here only, "
        f"{agreement.missing:,} published only; bar >= {100 * AGREEMENT_BAR:.0f}%: "
        f"{'met' if agreement.share >= AGREEMENT_BAR else 'NOT met'}"
    )
    ratio = f", {seconds / baseline_seconds:.1f}x a majority vote over the same votes" if baseline_seconds else ""
    met = seconds < TARGET_SECONDS and megabytes < TARGET_MB
    print(f"  target < {TARGET_SECONDS:.0f} s and < {TARGET_MB:.0f} MB: {'met' if met else 'NOT met'}{ratio}")


def main() -> None:
    t0 = time.perf_counter()
    tracemalloc.start()
    reassessed = read_reassessed_votes()
    _, import_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    import_seconds = time.perf_counter() - t0
    real_json = (REASSESSED_DATA_DIR / "real.json").read_bytes()
    votes: Votes = reassessed.votes
    gold: GoldAnswers = reassessed.gold
    print(
        f"import of the dense npz files: {import_seconds:.1f} s, {import_peak / 1e6:.0f} MB peak "
        f"({votes.n_votes:,} votes, {reassessed.n_rated:,} rated questions + {gold.question.size:,} gold, "
        f"{votes.n_annotators} raters)"
    )
    _, majority_seconds, _ = measure(lambda: aggregate(votes, algorithm="majority", gold=gold))
    _, seconds, megabytes = measure(lambda: aggregate(votes, algorithm="dawid-skene-gold", gold=gold))
    agreement = agreement_with_published(reassessed, real_json, algorithm="dawid-skene-gold", threshold=PUBLISHED_THRESHOLD)
    print_report(agreement, seconds, megabytes, baseline_seconds=majority_seconds)
    for algorithm in ("dawid-skene", "majority"):
        _, s, mb = measure(lambda: aggregate(votes, algorithm=algorithm, gold=gold))
        other = agreement_with_published(reassessed, real_json, algorithm=algorithm, threshold=PUBLISHED_THRESHOLD)
        print(
            f"  for comparison, {algorithm}: {100 * other.share:.2f}% ({other.disagreements:,} disagreements), "
            f"{s:.2f} s, {mb:.0f} MB"
        )


if __name__ == "__main__":
    main()
