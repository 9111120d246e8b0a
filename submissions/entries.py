"""What a team may change of its own entries while its year is open: the name and the method
description that boards show, and whether a validation entry stays on the public boards.

An entry is never deleted: a withdrawn one stays in the team's list, in the ledger and on the
organizers' pages, and can be put back. Test entries cannot be withdrawn, so that nobody can
probe a test board and then hide what it showed.
"""

from django.db import transaction

from challenge import policy
from challenge.competition.models import Split
from submissions.leaderboards import services as boards
from submissions.models import Submission


class EntryChangeRefused(Exception):
    """The change cannot be made; the message says why, for the person who tried."""


def _check_may_change(submission: Submission, user) -> None:
    refusal = policy.entry_change_refusal(submission=submission, user=user)
    if refusal:
        raise EntryChangeRefused(refusal)


def edit_entry(*, submission: Submission, user, entry_name: str, description: str, method_url: str = "",
               code_url: str = "") -> Submission:
    """Rename an entry and replace its method description and its paper and code links, then
    rebuild its split's boards (which show them). Raises EntryChangeRefused for someone outside
    the team, after the deadline, or for an empty name."""
    _check_may_change(submission, user)
    name = entry_name.strip()
    if not name:
        raise EntryChangeRefused("An entry needs a name.")
    with transaction.atomic():
        Submission.objects.filter(pk=submission.pk).update(entry_name=name[:100], description=description.strip(),
                                                           method_url=method_url.strip(), code_url=code_url.strip())
        if submission.status == Submission.Status.SCORED:
            boards.mark_dirty(splits=[submission.split], teams=[submission.team_id], now=True)
    submission.refresh_from_db()
    return submission


def set_withdrawn(*, submission: Submission, user, withdrawn: bool) -> Submission:
    """Take a validation entry off the public boards (withdrawn=True) or put it back, then rebuild
    them. A withdrawn entry is never final. Raises EntryChangeRefused for a test entry, someone
    outside the team, or after the deadline."""
    _check_may_change(submission, user)
    if submission.split.name != Split.Name.VAL:
        raise EntryChangeRefused("Only validation entries can be withdrawn: test entries stay on their board.")
    with transaction.atomic():
        changes = {"withdrawn": withdrawn, **({"is_final": False} if withdrawn else {})}
        Submission.objects.filter(pk=submission.pk).update(**changes)
        if submission.status == Submission.Status.SCORED:
            boards.mark_dirty(splits=[submission.split], teams=[submission.team_id], now=True)
    submission.refresh_from_db()
    return submission
