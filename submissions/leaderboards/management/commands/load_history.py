from django.core.management.base import BaseCommand

from submissions.leaderboards.history import HISTORICAL_CSV, load_history


class Command(BaseCommand):
    help = "Load the published ILSVRC 2010–2017 results (challenge/data/ilsvrc2012/historical_results.csv)."

    def add_arguments(self, parser):
        parser.add_argument("--csv", default=str(HISTORICAL_CSV), help="the results CSV to load")

    def handle(self, *args, **options):
        count = load_history(path=options["csv"])
        self.stdout.write(f"Loaded {count} historical results.")
