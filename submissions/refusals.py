"""Counting refused uploads for the organizers' statistics (`RefusedUpload`).

`recorded` wraps the intake service: a refusal is written after the refused transaction has
rolled back, then re-raised unchanged, so the uploader sees exactly what they saw before.
"""

import functools
import re

from submissions.errors import SubmissionNotAllowed, SubmissionRefused
from submissions.models import RefusedUpload
from submissions.quotas import QuotaExceeded

# Lines, numbers and quoted tokens differ from file to file; the kind of problem does not.
_VARYING = re.compile(r"'[^']*'|\"[^\"]*\"|\d+(?:[.,]\d+)*")


def reason_of(message: str) -> str:
    """A refusal message with what varies between files taken out: 'expected 10 lines, found 3'
    and 'expected 10 lines, found 7' are one reason."""
    return _VARYING.sub("…", message).strip()[:300]


def recorded(create):
    """Decorate a keyword-only intake function taking `split`, `team` and `user`."""

    @functools.wraps(create)
    def create_and_count_refusals(**kwargs):
        try:
            return create(**kwargs)
        except SubmissionRefused as refused:
            first = refused.errors[0][1] if refused.errors else str(refused)
            _record(kwargs, RefusedUpload.Kind.INVALID_FILE, reason_of(first))
            raise
        except QuotaExceeded:
            _record(kwargs, RefusedUpload.Kind.QUOTA, "The quota was used up.")
            raise
        except SubmissionNotAllowed as refused:
            _record(kwargs, RefusedUpload.Kind.NOT_ALLOWED, reason_of(str(refused)))
            raise

    return create_and_count_refusals


def _record(kwargs: dict, kind: str, reason: str) -> None:
    team = kwargs.get("team")
    user = kwargs.get("user")
    RefusedUpload.objects.create(split=kwargs["split"], team=team, kind=kind, reason=reason,
                                 user=user if getattr(user, "pk", None) else None)
