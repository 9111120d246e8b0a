"""Services and selectors for the materialized leaderboards."""

from challenge.models import Split


def rebuild_leaderboard(*, split: Split) -> None:
    """Recompute the materialized leaderboard of one split from its current scores.

    Called after moderation (disqualify, not comparable, ban) and ground-truth replacement.
    Idempotent; frozen archives are never touched.
    """
    return None
