"""The background worker: score new submissions, rank them, do the chores, send the mail; once,
or as a worker (--loop) with one loop per job.

The database is the queue of every job. Scoring: rows `received` (every upload: the request
only validates, stores and counts), rows left `scoring` by a worker that died (its claim, which
a live worker refreshes every SCORING_HEARTBEAT_SECONDS, three beats silent), and rescoring
items after a ground-truth replacement; each is claimed with a conditional UPDATE or SKIP
LOCKED, so several workers on several hosts never take the same row. Ranking: the boards of a
split with changes they do not show yet, updated as soon as a change commits (woken by
PostgreSQL's NOTIFY; claimed with SKIP LOCKED). Chores: freezing the boards of
years whose results date passed, public subsets changed behind the site's back, idle rate counts,
and the mail that falls due (deadline reminders, results). Mail: the outbox, sent outside any
transaction.

With --loop each job runs in its own thread (its own database connection), so a scoring backlog
never delays the results freeze or the mail, and a slow mail server never delays a score.
`--only` runs some jobs in this process (several workers can share the jobs out: `--only
scoring` on big machines, `--only chores,mail` on one small one). SIGTERM or SIGINT lets each
loop finish its current unit of work, then the process stops.
"""

import logging
import signal
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, InterfaceError, close_old_connections, connection

from challenge.accounts import rates
from challenge.notices.mail import send_queued_emails
from config.heap import keep_freed_memory
from submissions.leaderboards.archives import freeze_due_results
from submissions.leaderboards import wakeup
from submissions.leaderboards.services import mark_ended_bans, rebuild_boards_of_changed_subsets, rebuild_due_boards
from submissions.notices import queue_due_notifications
from submissions.rescoring import rescore_next
from submissions.services import claimable_submission_ids, release_claim, score_submission

JOBS = ("scoring", "ranking", "chores", "mail")
# How often the chores run: none needs sub-second care, but the results freeze is due within
# seconds of its date even while a backlog of uploads is being scored.
CHORES_SECONDS = 5

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Score, rank, do the chores and send the mail once, or keep doing so with --loop (a loop per job)."
    shutdown = False  # set by SIGTERM or SIGINT: finish the current unit of work, then stop
    holding = None  # the submission being scored, to give back if the database goes away meanwhile
    next_chores = 0.0  # when the chores loop runs them next (time.monotonic)
    scored = 0  # by this process's scoring loop, said when it stops

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep running as a worker, one thread per job.")
        parser.add_argument("--interval", type=float, default=0.2, help="Seconds a loop sleeps when idle.")
        parser.add_argument("--only", default=",".join(JOBS),
                            help=f"Comma-separated jobs to run here, of {', '.join(JOBS)} (default: all).")

    def handle(self, *args, loop=False, interval=0.2, only=",".join(JOBS), **options):
        jobs = [job.strip() for job in only.split(",") if job.strip()]
        unknown = sorted(set(jobs) - set(JOBS))
        if unknown or not jobs:
            raise CommandError(f"--only takes {', '.join(JOBS)}; got {only!r}")
        keep_freed_memory()  # a scoring worker reads file after file (config/heap.py)
        if not loop:
            scored = self.run_once(jobs)
            self.stdout.write(f"scored {scored} submission(s)")
            return
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)
        threads = [threading.Thread(target=self.run_loop, args=(job, interval), name=job, daemon=True) for job in jobs]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            for thread in threads:
                thread.join(timeout=0.5)
        self.stdout.write(f"scored {self.scored} submission(s)")

    def on_signal(self, signum, frame):
        self.shutdown = True

    # ------------------------------------------------------------ once (cron, a restore, the tests)

    def run_once(self, jobs: list[str]) -> int:
        """Everything waiting now, then the chores and the mail; returns how many were scored.
        Leaves no board behind its scores."""
        scored = 0
        if "scoring" in jobs or "ranking" in jobs:
            scored = self.drain(score="scoring" in jobs, rank="ranking" in jobs)
        if "ranking" in jobs:
            while not self.shutdown and self.rebuild_one(coalesce=False):
                pass
        if "chores" in jobs:
            self.chores()
        if "mail" in jobs:
            while not self.shutdown and self.send_mail():
                pass
        return scored

    def drain(self, *, score: bool = True, rank: bool = True) -> int:
        """Take turns at scoring, ranking and rescoring until all are empty; returns how many
        were scored. (The loops do the same work in parallel, each at its own pace.)"""
        scored = 0
        while not self.shutdown:
            did_score = score and self.score_one()
            scored += did_score
            did_rebuild = rank and self.rebuild_one()
            did_rescore = score and self.rescore_one()
            if not (did_score or did_rebuild or did_rescore):
                break
        return scored

    # ------------------------------------------------------------ one loop per job

    def run_loop(self, job: str, interval: float) -> None:
        """Do units of `job` until shutdown, sleeping `interval` when there is none; a database
        failure (PostgreSQL restarting) waits and tries again rather than ending the loop."""
        unit = {"scoring": self.scoring_unit, "ranking": self.rebuild_one, "chores": self.chores_unit,
                "mail": self.send_mail}[job]
        # The ranking loop waits for a change to commit (announced by mark_dirty), not for its next poll.
        listener = wakeup.Listener() if job == "ranking" else None
        try:
            while not self.shutdown:
                try:
                    if self.holding is not None and job == "scoring":  # claimed when the database went away
                        release_claim(submission_id=self.holding)
                        self.holding = None
                    did = unit()
                except (DatabaseError, InterfaceError) as exc:
                    self.stderr.write(f"{job}: database unavailable: {exc}")
                    did = False
                except Exception:
                    # Fail safe, not in a crash loop: the job's next unit is tried after a pause.
                    logger.exception("%s: a unit of work failed", job)
                    did = False
                if not did:
                    if listener is not None:
                        listener.wait(interval)
                    else:
                        time.sleep(interval)
                    close_old_connections()
        finally:
            if listener is not None:
                listener.close()
            connection.close()  # this thread's own connection

    def scoring_unit(self) -> bool:
        """A new upload first, else one rescoring item: a replacement never holds back uploads."""
        if self.score_one():
            self.scored += 1
            return True
        return self.rescore_one()

    def chores_unit(self) -> bool:
        if time.monotonic() < self.next_chores:
            return False
        self.next_chores = time.monotonic() + CHORES_SECONDS
        self.chores()
        return False

    def chores(self) -> None:
        """Freeze due results, rebuild boards whose public subset changed behind the site's back,
        mark the teams whose ban ended, forget idle rate counts, and queue the mail that fell due."""
        self.freeze_due_results()
        rebuild_boards_of_changed_subsets()
        mark_ended_bans()
        rates.purge()
        try:
            queue_due_notifications()
        except DatabaseError:
            raise
        except Exception:
            # A broken template must not stop the chores; the mail is queued on a later pass.
            logger.exception("queueing e-mail failed")

    # ------------------------------------------------------------ units of work

    def freeze_due_results(self) -> int:
        """Publish and freeze the final leaderboards of years whose results date has passed."""
        return freeze_due_results()

    def send_mail(self) -> bool:
        """Send one batch of the outbox (claimed in a short transaction, sent outside it); False when
        nothing waits."""
        return bool(send_queued_emails())

    def rebuild_one(self, *, coalesce: bool = True) -> bool:
        """Rebuild the boards of one split whose scores changed; False when none is due.

        With `coalesce`, a split rebuilt less than LEADERBOARD_REBUILD_SECONDS ago waits.
        """
        return rebuild_due_boards(coalesce=coalesce)

    def rescore_one(self) -> bool:
        """Rescore one entry queued after a ground-truth replacement; False when none is queued.

        The item is claimed with SELECT ... FOR UPDATE SKIP LOCKED, so workers never share one.
        """
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
        score_submission(submission_id=waiting[0], heartbeat=settings.SCORING_HEARTBEAT_SECONDS)
        self.holding = None
        return True
