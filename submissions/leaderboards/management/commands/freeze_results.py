from django.core.management.base import BaseCommand

from submissions.leaderboards.archives import freeze_due_results


class Command(BaseCommand):
    help = "Freeze the final leaderboards of every year whose results date has passed (idempotent)."

    def handle(self, *args, **options):
        self.stdout.write(f"froze {freeze_due_results()} leaderboard(s)")
