"""Create a clearly synthetic year at ImageNet's own scale, to try the whole flow with it.

    python manage.py make_scale_year --classes 21841 --images 10000000 [--slug scale] [--seed 0]
        [--predictions baseline.txt.gz]

The class set is a seeded synthetic WordNet-like DAG (`scoring.synthetic_class_set`: about
0.41 internal synsets per class, 14% of synsets with a second parent), the labels are seeded
and hidden, and the year has a classification and a hierarchical task, each with one split
whose scores are public at once. With --predictions it also writes a gzip prediction file
(right on about a third of the images) that can be uploaded through the site or the API.
Not part of the demo; safe to run again (the same arguments give the same year).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import timedelta

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from challenge.competition.ground_truth import replace_ground_truth
from challenge.competition.models import ChallengeYear, ClassSet, Split, Task
from challenge.competition.services import store_class_set
from challenge.storage import sha256_of
from submissions import scoring

# Rows formatted at a time: a 10M-image file is written in bounded memory (about 100 MB).
ROWS_PER_CHUNK = 1_000_000


def int_lines(rows: np.ndarray) -> bytes:
    """Rows of positive integers as lines of text, separated by spaces, without a loop per line."""
    rows = np.asarray(rows, dtype=np.int64).reshape(len(rows), -1)
    values = rows.ravel().copy()
    if not values.size:
        return b""
    widest = len(str(int(values.max())))
    digits = np.ones(values.size, dtype=np.int64)
    for power in range(1, widest):
        digits += values >= 10**power
    ends = np.cumsum(digits + 1)  # each number is followed by a space, or a newline at the row's end
    out = np.full(int(ends[-1]), ord(" "), dtype=np.uint8)
    out[ends.reshape(rows.shape)[:, -1] - 1] = ord("\n")
    position = ends - 2  # of each number's last digit, then of the digit before it
    for place in range(widest):
        has = digits > place
        out[position[has]] = ord("0") + values[has] % 10
        values //= 10
        position -= 1
    return out.tobytes()


def labels_text(labels: np.ndarray) -> bytes:
    return b"".join(int_lines(labels[lo:lo + ROWS_PER_CHUNK]) for lo in range(0, labels.size, ROWS_PER_CHUNK))


def synthetic_labels(*, n_images: int, n_classes: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(1, n_classes + 1, size=n_images, dtype=np.int64)


def baseline_predictions(labels: np.ndarray, *, n_classes: int, seed: int) -> Iterator[bytes]:
    """Five guesses per image, the first right on about a third of the images, in chunks of lines."""
    rng = np.random.default_rng(seed + 1)
    for lo in range(0, labels.size, ROWS_PER_CHUNK):
        truth = labels[lo:lo + ROWS_PER_CHUNK]
        guesses = rng.integers(1, n_classes + 1, size=(truth.size, 5), dtype=np.int64)
        right = rng.random(truth.size) < 0.35
        guesses[right, 0] = truth[right]
        yield int_lines(guesses)


def store_synthetic_class_set(*, n_classes: int, seed: int) -> ClassSet:
    synthetic = scoring.synthetic_class_set(n_classes, n_internal=max(1, round(n_classes * 0.41)),
                                            multi_parent=round(n_classes * 0.137), seed=seed)
    rows = [dict(ilsvrc_id=r.id, wnid=r.wnid, words=r.words, gloss="", is_leaf=r.id <= synthetic.n_classes,
                 wordnet_height=r.height, num_train_images=0) for r in synthetic.rows]
    return store_class_set(slug=f"synthetic-{n_classes}-{seed}", name=f"Synthetic {n_classes:,} classes (seed {seed})",
                           rows=rows, edges=list(synthetic.edges), n_classes=synthetic.n_classes,
                           source=f"submissions.scoring.synthetic_class_set({n_classes}, seed={seed})")


class Command(BaseCommand):
    help = "Create a clearly synthetic year with a large class set and many hidden labels (not part of the demo)."

    def add_arguments(self, parser):
        parser.add_argument("--classes", type=int, default=21841, help="Leaf classes (default 21,841).")
        parser.add_argument("--images", type=int, default=10_000_000, help="Images per split (default 10,000,000).")
        parser.add_argument("--slug", default="scale", help="The year's slug (default: scale).")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--predictions", help="Also write a gzip baseline prediction file here.")

    def handle(self, *args, classes: int, images: int, slug: str, seed: int, predictions: str | None, **options):
        if not 2 <= classes <= 200_000 or not 1 <= images <= 50_000_000:
            raise CommandError("--classes must be 2..200,000 and --images 1..50,000,000.")
        class_set = store_synthetic_class_set(n_classes=classes, seed=seed)
        labels = synthetic_labels(n_images=images, n_classes=classes, seed=seed)
        answers = labels_text(labels)
        with transaction.atomic():
            year = self.scale_year(slug=slug, class_set=class_set, classes=classes, images=images)
            for kind in (Task.Kind.CLASSIFICATION, Task.Kind.HIERARCHICAL):
                split = self.scale_split(year=year, kind=kind, images=images)
                current = split.current_ground_truth
                if current is None or current.labels_sha256 != sha256_of(answers):
                    replace_ground_truth(split=split, labels=answers)
        if predictions:
            with gzip.open(predictions, "wb", compresslevel=6) as handle:
                for chunk in baseline_predictions(labels, n_classes=classes, seed=seed):
                    handle.write(chunk)
        self.stdout.write(self.style.SUCCESS(
            f"Year {slug}: {classes:,} synthetic classes, {images:,} hidden labels per split"
            + (f"; baseline predictions in {predictions}" if predictions else "") + "."))

    def scale_year(self, *, slug: str, class_set: ClassSet, classes: int, images: int) -> ChallengeYear:
        now = timezone.now()
        year, _ = ChallengeYear.objects.update_or_create(slug=slug, defaults=dict(
            title=f"Synthetic scale year: {classes:,} classes, {images:,} images", class_set=class_set,
            status=ChallengeYear.Status.PUBLISHED, opens_at=now - timedelta(days=1),
            deadline=now + timedelta(days=30), results_at=now + timedelta(days=37),
            description=("**Synthetic.** A year made by `manage.py make_scale_year` to try the server at "
                         "ImageNet's own scale: the class hierarchy, the labels and the baseline are random "
                         "(seeded) and mean nothing."),
        ))
        return year

    def scale_split(self, *, year: ChallengeYear, kind: str, images: int) -> Split:
        task, _ = Task.objects.update_or_create(
            year=year, slug=kind, defaults=dict(title=Task.Kind(kind).label, kind=kind,
                                                position=0 if kind == Task.Kind.CLASSIFICATION else 1))
        split, _ = Split.objects.update_or_create(
            task=task, name=Split.Name.VAL,
            defaults=dict(n_images=images, labels_public=False, quota_per_window=5, quota_window_days=1,
                          visibility=Split.Visibility.IMMEDIATE))
        return split
