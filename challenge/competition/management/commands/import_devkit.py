"""Import a class set (ids, WNIDs, words, glosses, training-image counts, is-a hierarchy) from a devkit."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from challenge.competition.services import import_devkit


class Command(BaseCommand):
    help = ("Import a class set from a devkit folder: its data/meta.mat, a meta.mat, or a synsets TSV "
            "(synsets.tsv or synsets_1860.tsv; first column the id) with is_a_edges.tsv. Safe to run again.")

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The devkit folder (or a meta.mat file).")
        parser.add_argument("--slug", default="ilsvrc2012", help="The class set's slug (default: ilsvrc2012).")
        parser.add_argument("--name", default="", help="The class set's name (default: derived from the slug).")

    def handle(self, *args, path: Path, slug: str, name: str, **options):
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        try:
            class_set = import_devkit(path=path, slug=slug, name=name or slug.upper())
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        synsets = class_set.synsets.count()
        edges = class_set.synsets.model.parents.through.objects.filter(from_synset__class_set=class_set).count()
        self.stdout.write(self.style.SUCCESS(
            f"Class set {class_set.slug}: {class_set.n_classes} classes, {synsets} synsets, {edges} is-a edges."
        ))
