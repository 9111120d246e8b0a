"""Load the ReaL crowd votes (raters.npz and the gold files) as a verification task's questions and votes."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from challenge.annotation.reassessed import REASSESSED_DATA_DIR
from challenge.annotation.services import AnnotationRefused, import_reassessed
from challenge.competition.models import ChallengeYear, Split


class Command(BaseCommand):
    help = ("Import raters.npz, golden.npz and raters_golden.npz (the ReaL votes of Beyer et al. 2020) as a closed "
            "verification task of a year on the ILSVRC2012 classes: questions named by validation image and class "
            "(no images: there are none on this machine), one annotator per rater, their votes.")

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, help="The year's slug (its class set must be ILSVRC2012's).")
        parser.add_argument("--split", default="", metavar="TASK/val",
                            help="The classification split a published result revises, e.g. classification/val.")
        parser.add_argument("--data-dir", type=Path, default=REASSESSED_DATA_DIR,
                            help="Where the three npz files are (default: the shipped copy).")
        parser.add_argument("--title", default="ReaL votes (Beyer et al. 2020)")

    def handle(self, *args, year, split, data_dir, title, **options):
        found = ChallengeYear.objects.filter(slug=year).first()
        if found is None:
            raise CommandError(f"No year {year!r}.")
        target = None
        if split:
            task_slug, _, name = split.partition("/")
            target = Split.objects.filter(task__year=found, task__slug=task_slug, name=name or "val").first()
            if target is None:
                raise CommandError(f"No split {split!r} in {year}.")
        try:
            task = import_reassessed(year=found, split=target, data_dir=data_dir, title=title)
        except (AnnotationRefused, ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        questions = task.questions.count()
        self.stdout.write(self.style.SUCCESS(
            f"Task {task.pk} \u201c{task.title}\u201d: {questions:,} questions "
            f"({task.questions.filter(is_gold=True).count():,} gold), {task.votes.count():,} votes by "
            f"{task.votes.values('annotator').distinct().count()} raters."))
