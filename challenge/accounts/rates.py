"""One atomic rate counter for every limit that must hold across workers and hosts: the API's
token and upload throttles (config.throttles) and the team invitations a day (team_services).

Each key has one row: the start of its current window and the events counted in it. A hit is
one INSERT ... ON CONFLICT DO UPDATE ... RETURNING statement, which PostgreSQL (and SQLite)
runs atomically per row: of 20 simultaneous requests against a limit of 5, exactly 5 are
allowed, whichever worker or host answers them. The window starts at the key's first hit
after the previous window ended, so a burst is never split between two windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from challenge.accounts.models import RateCount


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    count: int  # events counted in the window, this one included
    retry_after: float  # seconds until the window ends (when a refused caller may try again)


def hit(*, key: str, limit: int, window: timedelta, at: datetime | None = None) -> RateDecision:
    """Count one event under `key` and say whether it is within `limit` events per `window`.

    Refused events count too (a caller hammering a limit does not get a fresh budget sooner).
    """
    at = at or timezone.now()
    quote, adapt = connection.ops.quote_name, connection.ops.adapt_datetimefield_value
    table, key_, start, count_ = (quote(name) for name in (RateCount._meta.db_table, "key", "window_start", "count"))
    expired = adapt(at - window)
    with connection.cursor() as cursor:
        # The CASE expressions restart an expired window in the same statement that counts.
        cursor.execute(
            f"INSERT INTO {table} ({key_}, {start}, {count_}) VALUES (%s, %s, 1) "
            f"ON CONFLICT ({key_}) DO UPDATE SET "
            f"{count_} = CASE WHEN {table}.{start} <= %s THEN 1 ELSE {table}.{count_} + 1 END, "
            f"{start} = CASE WHEN {table}.{start} <= %s THEN %s ELSE {table}.{start} END "
            f"RETURNING {count_}, {start}",
            [key[:200], adapt(at), expired, expired, adapt(at)],
        )
        count, window_start = cursor.fetchone()
    if isinstance(window_start, str):  # SQLite returns the column's text
        window_start = datetime.fromisoformat(window_start)
    if timezone.is_naive(window_start):
        window_start = timezone.make_aware(window_start, timezone.utc)
    retry_after = max((window_start + window - at).total_seconds(), 0.0)
    return RateDecision(allowed=count <= limit, count=count, retry_after=retry_after)


def purge(*, older_than: timedelta = timedelta(days=2), at: datetime | None = None) -> int:
    """Delete the rows of keys idle for longer than any window (a chore); returns how many."""
    deleted, _ = RateCount.objects.filter(window_start__lt=(at or timezone.now()) - older_than).delete()
    return deleted
