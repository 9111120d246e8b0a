"""Crowd consensus on the real ReaL votes (issue 25), through the site's database: agreement with
the published labels, the time and memory of aggregating the 1.01 million stored votes, and the
question page's latency while they are stored.

    .venv/bin/python bench/crowd.py                # throwaway PostgreSQL (needs root), about 2-4 minutes
    DATABASE_URL=postgres://... .venv/bin/python bench/crowd.py
    .venv/bin/python bench/crowd.py --arrays-only  # the pure arrays alone, no database

Steps, each timed:

1. ``import_votes``' service loads raters.npz, golden.npz and raters_golden.npz (shipped in
   challenge/data/reassessed/) into the database once: 186,097 questions (1,135 of them gold),
   85 raters, 1,013,340 votes (the one-time import; not part of the targets).
2. The site aggregates them as an organizer's "Aggregate" does (``services.aggregate_task``:
   the votes read back with PostgreSQL's binary COPY, Dawid & Skene with each rater's confusion
   from the gold questions, the posteriors stored with the votes' digest), and the posteriors
   above 0.8 are compared with real.json over the 184,962 rated pairs. Prints
   ``agreement with published labels: N% (D disagreements of 184,962)`` (bar: >= 98%) and
   ``aggregate: N s, N MB`` (best of 3; peak memory allocated during one run, tracemalloc;
   target < 10 s and < 500 MB), with a majority vote from the same stored votes as the baseline.
3. With those votes stored, an annotator's question page (GET /annotate/tasks/<id>/, which
   assigns the next question) is read 1,000 times through Django's test client in this process
   (the whole request: middleware, session, queries, template), each followed by an answer.
   Prints ``question page p99: N ms`` (target < 100 ms) and the median.

:func:`report_lines` and :func:`print_report` build the headline lines from the figures (the
pure-array comparison, ``--arrays-only``, prints the same two lines).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = ROOT / ".venv" / "bin" / "python"

from challenge.annotation.consensus import aggregate  # noqa: E402  (after sys.path)
from challenge.annotation.reassessed import (  # noqa: E402
    PUBLISHED_THRESHOLD,
    REASSESSED_DATA_DIR,
    Agreement,
    agreement_with_published,
    published_validity,
    read_reassessed_votes,
)

TARGET_SECONDS = 10.0
TARGET_MB = 500.0
TARGET_PAGE_MS = 100.0
AGREEMENT_BAR = 0.98
PAGE_READS = 1000


def measure(func: Callable[[], object], repeat: int = 3) -> tuple[object, float, float]:
    """Run ``func`` ``repeat`` times; return its last result, the best wall-clock seconds and the
    peak megabytes allocated during one more run (tracemalloc, which sees numpy's buffers)."""
    times = []
    result = None
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


def print_report(agreement: Agreement, seconds: float, megabytes: float, *, baseline_seconds: float | None = None,
                 baseline: str = "a majority vote over the same votes") -> None:
    """Print :func:`report_lines` and whether the bar and targets are met (with the ratio to a
    baseline measured in the same run, when given)."""
    for line in report_lines(agreement, seconds, megabytes):
        print(line)
    print(
        f"  {agreement.algorithm} at posterior > {agreement.threshold}: {agreement.extra:,} valid here only, "
        f"{agreement.missing:,} published only; bar >= {100 * AGREEMENT_BAR:.0f}%: "
        f"{'met' if agreement.share >= AGREEMENT_BAR else 'NOT met'}"
    )
    ratio = f", {seconds / baseline_seconds:.1f}x {baseline}" if baseline_seconds else ""
    met = seconds < TARGET_SECONDS and megabytes < TARGET_MB
    print(f"  target < {TARGET_SECONDS:.0f} s and < {TARGET_MB:.0f} MB: {'met' if met else 'NOT met'}{ratio}")


# ---------------------------------------------------------------- the pure arrays (no database)

def arrays_only() -> None:
    t0 = time.perf_counter()
    reassessed = read_reassessed_votes()
    print(f"read of the dense npz files into arrays: {time.perf_counter() - t0:.1f} s")
    real_json = (REASSESSED_DATA_DIR / "real.json").read_bytes()
    votes, gold = reassessed.votes, reassessed.gold
    _, majority_seconds, _ = measure(lambda: aggregate(votes, algorithm="majority", gold=gold))
    _, seconds, megabytes = measure(lambda: aggregate(votes, algorithm="dawid-skene-gold", gold=gold))
    agreement = agreement_with_published(reassessed, real_json, algorithm="dawid-skene-gold")
    print_report(agreement, seconds, megabytes, baseline_seconds=majority_seconds)
    for algorithm in ("dawid-skene", "majority"):
        other = agreement_with_published(reassessed, real_json, algorithm=algorithm)
        print(f"  for comparison, {algorithm}: {100 * other.share:.2f}% ({other.disagreements:,} disagreements)")


# ---------------------------------------------------------------- through the site

def site_agreement(task, aggregation, real_json: bytes) -> Agreement:
    """The stored posteriors of the task's rated (non-gold) questions against real.json."""
    from challenge.annotation.models import Question
    from challenge.annotation.services import aggregation_arrays
    from challenge.competition.models import Synset

    ids, posterior = aggregation_arrays(aggregation)
    rows = np.array(list(Question.objects.filter(task=task, is_gold=False).order_by("pk")
                         .values_list("pk", "image_index", "synset__wnid")), dtype=object)
    wnids = sorted(Synset.objects.filter(class_set=task.year.class_set, is_leaf=True).values_list("wnid", flat=True))
    sorted_index = {w: i for i, w in enumerate(wnids)}
    at = np.searchsorted(ids, rows[:, 0].astype(np.int64))
    ours = posterior[at] > PUBLISHED_THRESHOLD
    image = rows[:, 1].astype(np.int64) - 1
    label = np.array([sorted_index[w] for w in rows[:, 2]], dtype=np.int64)
    theirs = published_validity(image, label, real_json)
    return Agreement(algorithm=aggregation.algorithm, threshold=PUBLISHED_THRESHOLD,
                     agreeing=int((ours == theirs).sum()), total=int(ours.size),
                     extra=int((ours & ~theirs).sum()), missing=int((~ours & theirs).sum()))


def question_page(year, *, reads: int) -> np.ndarray:
    """Milliseconds of `reads` question pages of one annotator, each followed by an answer."""
    from django.test import Client
    from django.urls import reverse

    from challenge.annotation import services
    from challenge.annotation.images import generated_image
    from challenge.annotation.models import VerificationTask
    from challenge.competition.models import Synset
    from tests.base import make_user

    task = VerificationTask.objects.create(year=year, title="Bench: question page", min_votes=3, gold_share=0.1)
    synsets = list(Synset.objects.filter(class_set=year.class_set, is_leaf=True).order_by("ilsvrc_id")[:reads + 100])
    pictures = [generated_image(text=f"bench {k}", seed=k, size=320) for k in range(20)]
    services.add_questions_for_demo(task=task, items=[
        (synset, f"bench_{k % 20}.png", pictures[k % 20], None, True if k >= reads else None)
        for k, synset in enumerate(synsets)])
    user = make_user("bench-annotator")
    services.make_annotator(year=year, user=user)
    client = Client()
    client.force_login(user)
    url = reverse("annotation:question", args=[task.pk])
    client.get(url)  # warm the process: templates, connection
    timings = []
    for _ in range(reads):
        t0 = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - t0) * 1000)
        question = re.search(r'name="question" value="(\d+)"', response.content.decode()).group(1)
        client.post(url, {"question": question, "answer": "yes"})
    return np.array(timings)


def through_the_site() -> None:
    import django

    django.setup()
    from django.utils import timezone

    from challenge.annotation import services
    from challenge.annotation.models import Vote
    from challenge.competition.models import ChallengeYear, ClassSet
    from challenge.competition.services import import_ilsvrc2012

    class_set = ClassSet.objects.filter(slug="ilsvrc2012").first() or import_ilsvrc2012()
    ChallengeYear.objects.filter(slug="crowd-bench").delete()
    year = ChallengeYear.objects.create(slug="crowd-bench", title="Crowd bench", class_set=class_set,
                                        status=ChallengeYear.Status.PUBLISHED, opens_at=timezone.now())
    t0 = time.perf_counter()
    task = services.import_reassessed(year=year)
    stored = Vote.objects.count()
    print(f"import of the npz files into the database (import_votes, one-time): {time.perf_counter() - t0:.1f} s, "
          f"{task.questions.count():,} questions ({task.questions.filter(is_gold=True).count():,} gold), "
          f"{stored:,} votes of {task.votes.values('annotator').distinct().count()} raters")
    real_json = (REASSESSED_DATA_DIR / "real.json").read_bytes()
    _, majority_seconds, _ = measure(lambda: services.aggregate_task(user=None, task=task, algorithm="majority"))
    result, seconds, megabytes = measure(
        lambda: services.aggregate_task(user=None, task=task, algorithm="dawid-skene-gold"))
    print_report(site_agreement(task, result, real_json), seconds, megabytes, baseline_seconds=majority_seconds,
                 baseline="a majority vote from the same stored votes")
    textbook = services.aggregate_task(user=None, task=task, algorithm="dawid-skene")
    other = site_agreement(task, textbook, real_json)
    print(f"  for comparison, dawid-skene (textbook EM, gold clamped): {100 * other.share:.2f}% "
          f"({other.disagreements:,} disagreements), {textbook.seconds:.2f} s")
    timings = question_page(year, reads=PAGE_READS)
    p99, p50 = np.percentile(timings, 99), np.percentile(timings, 50)
    print(f"question page p99: {p99:.1f} ms")
    print(f"  median {p50:.1f} ms over {PAGE_READS:,} reads (Django's test client in this process, PostgreSQL, "
          f"{Vote.objects.count():,} votes stored); target < {TARGET_PAGE_MS:.0f} ms: "
          f"{'met' if p99 < TARGET_PAGE_MS else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arrays-only", action="store_true", help="The pure arrays alone, without a database.")
    args = parser.parse_args()
    if args.arrays_only:
        arrays_only()
        return
    from bench.leaderboard import ThrowawayPostgres

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-secret-key")
    os.environ.update(DEBUG="False", SECURE_SSL_REDIRECT="False", SECURE_COOKIES="False", LOG_LEVEL="WARNING")
    private = tempfile.mkdtemp(prefix="bench-crowd.")
    os.environ.setdefault("MEDIA_ROOT", private)
    os.environ.setdefault("STATIC_ROOT", os.path.join(private, "static"))
    database = ThrowawayPostgres() if not os.environ.get("DATABASE_URL") else None
    try:
        if database:
            os.environ["DATABASE_URL"] = database.__enter__()
        for command in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"]):
            subprocess.run([str(PYTHON), "manage.py", *command], cwd=ROOT, check=True)
        through_the_site()
    finally:
        if database:
            database.__exit__(None, None, None)
        shutil.rmtree(private, ignore_errors=True)


if __name__ == "__main__":
    main()
