"""Waking the ranking workers when a change to a board commits, through PostgreSQL alone.

`mark_dirty` announces each change with NOTIFY inside the writer's transaction; PostgreSQL
delivers it when (and only if) that transaction commits, to every worker listening, on any
host. A ranking loop waits on its `Listener` rather than sleeping, so a new score is ranked
within milliseconds of its commit instead of at the next poll; the wait still ends after its
timeout, so a lost notification (a listener reconnecting) only delays a change to that poll.
On another database (SQLite, one host) the wait is a sleep.
"""

from __future__ import annotations

import logging
import select
import time

from django.db import connection

CHANNEL = "leaderboards"

logger = logging.getLogger(__name__)


def announce() -> None:
    """Tell the listening workers, when the current transaction commits, that a board changed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {CHANNEL}")


class Listener:
    """A database connection of its own, listening for announced changes (one per ranking loop)."""

    def __init__(self):
        self._connection = None

    def wait(self, timeout: float) -> bool:
        """Until a change is announced or `timeout` seconds pass; True when one was announced."""
        if connection.vendor != "postgresql":
            time.sleep(timeout)
            return False
        try:
            if self._connection is None:
                self._connection = self._listen()
            if select.select([self._connection], [], [], timeout) == ([], [], []):
                return False
            self._connection.poll()
            heard = bool(self._connection.notifies)
            self._connection.notifies.clear()
            return heard
        except Exception as exc:  # the database went away: listen again on the next wait
            logger.warning("listening for board changes failed: %s", exc)
            self.close()
            time.sleep(timeout)
            return False

    def _listen(self):
        listening = connection.get_new_connection(connection.get_connection_params())
        listening.autocommit = True
        with listening.cursor() as cursor:
            cursor.execute(f"LISTEN {CHANNEL}")
        return listening

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # already gone
                pass
            self._connection = None
