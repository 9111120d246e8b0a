"""Queue the e-mail that is due (deadline reminders, results published) and send what waits.

Runs once (for cron); the `score_pending --loop` worker does the same on every pass.
"""

from django.core.management.base import BaseCommand

from submissions.notices import send_notifications


class Command(BaseCommand):
    help = "Queue due reminders and results e-mail, and send queued e-mail, once."

    def handle(self, *args, **options):
        counts = send_notifications()
        self.stdout.write(f"queued {counts['queued']} e-mail(s), handled {counts['handled']} waiting e-mail(s)")
