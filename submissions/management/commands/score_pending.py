"""The scoring worker: score new submissions, rank them, rescore; once, or as a worker (--loop).

The database is the queue. Waiting rows are those `received` (every upload: the request
only validates, stores and counts), and those left `scoring` by a worker that died (a claim
older than SCORING_STALE_CLAIM_SECONDS). Each is claimed with a conditional UPDATE inside
score_submission, so several workers on several hosts never score the same row twice.
Boards are rebuilt here too, once per split for all the scores of a
LEADERBOARD_REBUILD_SECONDS window (rebuild_due_boards claims the split with SKIP LOCKED).
"""

import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, InterfaceError, close_old_connections

from challenge import rates
from submissions.leaderboards.archives import freeze_due_results
from submissions.leaderboards.services import rebuild_boards_of_changed_subsets, rebuild_due_boards
from submissions.notices import send_notifications
from submissions.services import claimable_submission_ids, release_claim, score_submission

# How often a worker does the chores that need no sub-second care: freezing the boards of
# years whose results date passed, auditing public subsets, forgetting idle rate counts, sending e-mail.
CHORES_SECONDS = 10

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Score and rank pending submissions once, or keep doing so with --loop."
    shutdown = False  # set by SIGTERM or SIGINT: finish the current unit of work, then stop
    holding = None  # the submission being scored, to give back if the database goes away meanwhile
    next_chores = 0.0

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep running as a worker.")
        parser.add_argument("--interval", type=float, default=0.2, help="Seconds to sleep when idle.")

    def handle(self, *args, loop=False, interval=0.2, **options):
        if loop:
            signal.signal(signal.SIGTERM, self.on_signal)
            signal.signal(signal.SIGINT, self.on_signal)
        scored = 0
        while True:
            try:
                if self.holding is not None:  # claimed when the database went away
                    release_claim(submission_id=self.holding)
                    self.holding = None
                scored += self.drain()
                if not loop:  # run once (cron, a restore): leave no board behind its scores
                    while not self.shutdown and self.rebuild_one(coalesce=False):
                        pass
                if time.monotonic() >= self.next_chores:
                    self.next_chores = time.monotonic() + CHORES_SECONDS
                    self.freeze_due_results()
                    rebuild_boards_of_changed_subsets()
                    rates.purge()
                    self.send_notifications()
            except (DatabaseError, InterfaceError) as exc:
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

    def drain(self) -> int:
        """Take turns at the three queues until all are empty; returns how many were scored.

        A rebuild is tried after every score, so a long queue of uploads never keeps the
        boards waiting beyond their window, and one rescoring item per turn keeps a
        ground-truth replacement from holding back new uploads.
        """
        scored = 0
        while not self.shutdown:
            did_score = self.score_one()
            scored += did_score
            did_rebuild = self.rebuild_one()
            did_rescore = self.rescore_one()
            if not (did_score or did_rebuild or did_rescore):
                break
        return scored

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

    def rebuild_one(self, *, coalesce: bool = True) -> bool:
        """Rebuild the boards of one split whose scores changed; False when none is due.

        With `coalesce`, a split rebuilt less than LEADERBOARD_REBUILD_SECONDS ago waits.
        """
        return rebuild_due_boards(coalesce=coalesce)

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
        self.holding = waiting[0]
        score_submission(submission_id=waiting[0])
        self.holding = None
        return True
