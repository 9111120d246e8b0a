"""Issue 23, item 7: a team cannot undo moderation. A disqualified entry, or one marked not directly
comparable, cannot be withdrawn or renamed by the team; the team is mailed when an entry of
theirs is disqualified (a kind of e-mail each person can stop)."""

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from challenge.notices.models import EmailKind, EmailOptOut, OutgoingEmail
from submissions import entries
from submissions.moderation import BulkAction, moderate_entries, moderate_submission
from tests.base import PASSWORD, make_user
from tests.leaderboard_helpers import open_quota, submit

pytestmark = pytest.mark.django_db


def _send_mail():
    call_command("send_notifications", stdout=StringIO())


def _disqualify(world, entry, reason="used the validation labels"):
    moderate_submission(user=world.olivia, submission=entry, disqualified=True, disqualified_reason=reason,
                        not_comparable=False, not_comparable_reason="")


def _board(client, world) -> str:
    return client.get(reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", "val"])).content.decode()


def test_after_a_disqualification_the_teams_withdraw_click_changes_nothing(client, world):
    open_quota(world.val)
    entry = submit(world.val, world.alpha, world.alice, wrong=1, entry="too good")
    _disqualify(world, entry)
    client.login(username="alice", password=PASSWORD)
    response = client.post(reverse("submissions:withdraw", args=[entry.pk]), {"withdrawn": "yes"}, follow=True)
    assert "organizers" in response.content.decode()  # the refusal says why
    entry.refresh_from_db()
    assert not entry.withdrawn and entry.disqualified
    board = _board(client, world)
    assert "too good" in board and "used the validation labels" in board


def test_a_moderated_entry_cannot_be_renamed_or_withdrawn_and_the_page_offers_neither(client, world):
    open_quota(world.val)
    disqualified = submit(world.val, world.alpha, world.alice, wrong=1, entry="dq")
    marked = submit(world.val, world.alpha, world.alice, wrong=2, entry="odd")
    _disqualify(world, disqualified)
    moderate_entries(user=world.olivia, submissions=[marked], action=BulkAction.NOT_COMPARABLE, reason="trained on val")
    for entry in (disqualified, marked):
        entry.refresh_from_db()
        with pytest.raises(entries.EntryChangeRefused, match="organizers"):
            entries.edit_entry(submission=entry, user=world.alice, entry_name="clean name", description="")
        with pytest.raises(entries.EntryChangeRefused, match="organizers"):
            entries.set_withdrawn(submission=entry, user=world.bob, withdrawn=True)
        client.login(username="bob", password=PASSWORD)
        client.post(reverse("submissions:edit", args=[entry.pk]), {"entry_name": "clean name", "description": ""})
        page = client.get(reverse("submissions:detail", args=[entry.pk])).content.decode()
        assert "Rename the entry" not in page and "Withdraw from the public board" not in page
        assert "organizers" in page
    assert {e.entry_name for e in (disqualified, marked)} == {"dq", "odd"}
    # A withdrawn entry that is then disqualified cannot be put back by the team either.
    hidden = submit(world.val, world.alpha, world.alice, wrong=3, entry="hidden")
    entries.set_withdrawn(submission=hidden, user=world.alice, withdrawn=True)
    _disqualify(world, hidden)
    hidden.refresh_from_db()
    with pytest.raises(entries.EntryChangeRefused):
        entries.set_withdrawn(submission=hidden, user=world.alice, withdrawn=False)
    # Restored by the organizers, the entry is the team's to change again.
    moderate_entries(user=world.olivia, submissions=[disqualified], action=BulkAction.RESTORE, reason="")
    disqualified.refresh_from_db()
    assert entries.edit_entry(submission=disqualified, user=world.alice, entry_name="fine", description="").entry_name == "fine"


def test_the_team_is_mailed_when_an_entry_is_disqualified(world):
    open_quota(world.val)
    entry = submit(world.val, world.alpha, world.alice, wrong=1, entry="too good")
    moderate_entries(user=world.olivia, submissions=[entry], action=BulkAction.NOT_COMPARABLE, reason="odd data")
    _send_mail()
    assert mail.outbox == []  # only a disqualification is mailed
    _disqualify(world, entry, reason="copied another team's file")
    assert mail.outbox == []  # queued, sent by the worker's mail loop
    _send_mail()
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
    message = mail.outbox[0]
    assert "too good" in message.subject and "disqualified" in message.subject
    assert "copied another team's file" in message.body
    assert reverse("submissions:detail", args=[entry.pk]) in message.body
    assert re.search(r"/accounts/email/opt-out/\S+", message.body)
    # Each person may stop this kind, like the others.
    assert EmailKind.MODERATION in EmailKind.values
    EmailOptOut.objects.create(address="bob@example.org", kind=EmailKind.MODERATION)
    mail.outbox.clear()
    second = submit(world.val, world.alpha, world.alice, wrong=2, entry="second")
    _disqualify(world, second)
    _send_mail()
    assert [m.to[0] for m in mail.outbox] == ["alice@example.org"]
    assert OutgoingEmail.objects.filter(kind=EmailKind.MODERATION, status=OutgoingEmail.Status.SKIPPED).count() == 1


def test_the_profile_lets_a_person_stop_moderation_mail(client, world):
    make_user("dana")
    client.login(username="alice", password=PASSWORD)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert EmailKind.MODERATION.label in page
    client.post(reverse("accounts:email-preference"), {"kind": EmailKind.MODERATION, "receive": "no"})
    assert EmailOptOut.objects.filter(address="alice@example.org", kind=EmailKind.MODERATION).exists()
