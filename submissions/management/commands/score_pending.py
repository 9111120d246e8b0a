"""Score submissions left `received` (a crash, a restart, a rescore): once, or as a worker.

The database is the queue. Each submission is claimed with a conditional update inside
score_submission, so several workers on several hosts never score the same row twice.
"""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from submissions.models import Submission
from submissions.services import score_submission


class Command(BaseCommand):
    help = "Score pending submissions once, or keep doing so with --loop."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep running as a worker.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds to sleep when idle.")

    def handle(self, *args, loop=False, interval=1.0, **options):
        self.shutdown = False
        if loop:
            signal.signal(signal.SIGTERM, self.on_signal)
            signal.signal(signal.SIGINT, self.on_signal)
        scored = 0
        while True:
            try:
                while not self.shutdown and self.score_one():
                    scored += 1
            except DatabaseError as exc:
                # PostgreSQL restarting: wait and try again rather than dying.
                self.stderr.write(f"database unavailable: {exc}")
                close_old_connections()
            if not loop or self.shutdown:
                break
            time.sleep(interval)
            close_old_connections()
        self.stdout.write(f"scored {scored} submission(s)")

    def on_signal(self, signum, frame):
        self.shutdown = True

    def score_one(self) -> bool:
        """Score the oldest pending submission; False when there is none."""
        pending = Submission.objects.pending().order_by("created_at").values_list("pk", flat=True).first()
        if pending is None:
            return False
        score_submission(submission_id=pending)
        return True
