"""Score submissions left unfinished (a crash, a restart, a rescore): once, or as a worker.

The database is the queue. Waiting rows are those `received`, and those left `scoring`
by a worker that died (a claim older than SCORING_STALE_CLAIM_SECONDS). Each is claimed with a
conditional UPDATE inside score_submission, so several workers on several hosts never
score the same row twice.
"""

import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from submissions.leaderboards.archives import freeze_due_results
from submissions.leaderboards.services import rebuild_boards_of_changed_subsets
from submissions.notices import send_notifications
from submissions.services import claimable_submission_ids, score_submission

logger = logging.getLogger(__name__)


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
                while not self.shutdown and self.rescore_one():
                    pass
                self.freeze_due_results()
                rebuild_boards_of_changed_subsets()
                self.send_notifications()
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

    def freeze_due_results(self) -> int:
        """Publish and freeze the final leaderboards of years whose results date has passed."""
        return freeze_due_results()

    def send_notifications(self) -> None:
        """Queue due reminders and results e-mail, and send queued e-mail (see send_notifications)."""
        try:
            send_notifications()
        except DatabaseError:
            raise
        except Exception:
            # A broken template or mail setting must not stop scoring; the mail waits in the outbox.
            logger.exception("sending e-mail failed")

    def rescore_one(self) -> bool:
        """Rescore one entry queued after a ground-truth replacement; False when none is queued.

        The item is claimed with SELECT ... FOR UPDATE SKIP LOCKED, so workers never share one.
        """
        from submissions.rescoring import rescore_next

        return rescore_next()

    def score_one(self) -> bool:
        """Score the oldest waiting submission; False when there is none.

        If another worker claims it first, score_submission leaves it alone and the next
        pass takes the next row.
        """
        waiting = claimable_submission_ids(limit=1)
        if not waiting:
            return False
        score_submission(submission_id=waiting[0])
        return True
