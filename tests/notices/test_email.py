"""E-mail teams expect, through Django's e-mail backend (locmem in tests): a submission failed
to score, the deadline is 48 hours away with no final entry chosen, results are published, an
invitation. Each is sent once, and each carries a signed opt-out link that needs no session."""

import re
import socket
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from challenge.notices.mail import opt_out_token
from challenge.notices.models import OPTIONAL_KINDS, EmailOptOut, OutgoingEmail
from submissions.management.commands.score_pending import Command
from submissions.notices import notify_scoring_failed, send_notifications
from submissions.services import create_submission, mark_final_entries, score_submission
from tests.base import PASSWORD, VAL_LABELS, make_team, make_user, predictions_file

GOOD_VAL = predictions_file([[label] for label in VAL_LABELS])


def send():
    call_command("send_notifications", stdout=StringIO())


def recipients():
    return sorted(m.to[0] for m in mail.outbox)


def opt_out_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/email/opt-out/[^\s]+)", message.body).group(1)


def failed_submission(world):
    submission = create_submission(team=world.alpha, split=world.val, user=world.alice, data=GOOD_VAL,
                                   entry_name="lost file")
    return submission


@pytest.fixture
def lost_file(world, private_storage):
    """A stored submission whose file vanished before scoring: it fails through the site's fault."""
    submission = failed_submission(world)
    (private_storage / submission.file_key).unlink()
    return submission


@pytest.mark.django_db
def test_it_mails_the_uploader_once_when_a_submission_fails_to_score(world, lost_file):
    assert score_submission(submission_id=lost_file.pk).status == "failed"
    notify_scoring_failed(submission_id=lost_file.pk)  # a second failure notice for the same row
    send()
    assert recipients() == ["alice@example.org"]
    message = mail.outbox[0]
    assert "lost file" in message.subject and "could not be scored" in message.subject
    assert "does not count against your team's quota" in message.body
    assert f"/submissions/{lost_file.pk}/" in message.body
    assert lost_file.file_key not in message.body  # never an internal detail
    send()
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_scored_submission_sends_no_mail(world):
    score_submission(submission_id=failed_submission(world).pk)
    send()
    assert mail.outbox == []


def _deadline_in(world, hours):
    world.year.deadline = timezone.now() + timedelta(hours=hours)
    world.year.save(update_fields=["deadline"])


@pytest.mark.django_db
def test_it_reminds_teams_without_a_final_entry_48_hours_before_the_deadline(world):
    entry = create_submission(team=world.charlies_team, split=world.val, user=world.charlie, data=GOOD_VAL,
                              entry_name="chosen")
    score_submission(submission_id=entry.pk)
    mark_final_entries(team=world.charlies_team, split=world.val, submission_ids=[entry.pk])

    _deadline_in(world, 72)
    send()
    assert mail.outbox == []  # not yet

    _deadline_in(world, 30)
    send()
    assert recipients() == ["alice@example.org", "bob@example.org"]  # charlie's team chose its final entry
    assert "48 hours" in mail.outbox[0].subject and "Alpha" in mail.outbox[0].body
    assert "/years/y2030/submissions/" in mail.outbox[0].body
    send()
    assert len(mail.outbox) == 2  # once

    _deadline_in(world, 40)  # the deadline moved: a new reminder for the new date
    send()
    assert len(mail.outbox) == 4


@pytest.mark.django_db
def test_it_mails_every_member_once_when_the_results_are_published(world):
    nomail = make_user("nomail")
    nomail.email = ""
    nomail.save()
    make_team(world.year, "No email", nomail)
    world.year.results_at = timezone.now() - timedelta(hours=1)
    world.year.deadline = timezone.now() - timedelta(hours=2)
    world.year.save()
    send()
    assert recipients() == ["alice@example.org", "bob@example.org", "charlie@example.org"]
    assert "results are published" in mail.outbox[0].subject
    send()
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_long_published_results_are_not_announced_again(world):
    world.year.results_at = timezone.now() - timedelta(days=30)
    world.year.deadline = timezone.now() - timedelta(days=31)
    world.year.save()
    send()
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_member_invites_someone_by_email_once(client, world):
    client.login(username="alice", password=PASSWORD)
    url = reverse("teams:invite-email", args=[world.alpha.pk])
    assert client.post(url, {"email": "Dora@Example.org"}).status_code == 302
    again = client.post(url, {"email": "dora@example.org"}, follow=True)
    assert b"already invited" in again.content
    send()
    assert recipients() == ["dora@example.org"]
    message = mail.outbox[0]
    assert "alice invites you to join the team Alpha" in message.subject
    assert reverse("teams:join", args=[world.alpha.invitations.get().token]) in message.body


@pytest.mark.django_db
def test_only_members_invite_and_only_so_many_a_day(client, world, settings):
    settings.INVITATIONS_PER_TEAM_PER_DAY = 1
    client.login(username="charlie", password=PASSWORD)
    assert client.post(reverse("teams:invite-email", args=[world.alpha.pk]), {"email": "x@example.org"}).status_code == 404
    client.login(username="alice", password=PASSWORD)
    url = reverse("teams:invite-email", args=[world.alpha.pk])
    client.post(url, {"email": "one@example.org"})
    refused = client.post(url, {"email": "two@example.org"}, follow=True)
    assert b"try again tomorrow" in refused.content
    assert OutgoingEmail.objects.filter(kind="invitation").count() == 1


@pytest.mark.django_db
def test_the_opt_out_link_works_without_a_session(world, lost_file):
    score_submission(submission_id=lost_file.pk)
    send()
    link = opt_out_link(mail.outbox[0])
    anonymous = Client(enforce_csrf_checks=True)
    page = anonymous.get(link)
    assert page.status_code == 200 and b"Stop e-mails" in page.content and b"al" in page.content
    assert not EmailOptOut.objects.exists()  # looking at the page (or a mail scanner fetching it) changes nothing
    done = anonymous.post(link, {"scope": "kind"})
    assert done.status_code == 200 and b"Done" in done.content
    assert list(EmailOptOut.objects.values_list("address", "kind")) == [("alice@example.org", "scoring_failed")]

    # Another failure of hers is not mailed; other kinds still are.
    second = failed_submission(world)
    default_storage.delete(second.file_key)
    score_submission(submission_id=second.pk)
    world.year.results_at = timezone.now() - timedelta(minutes=5)
    world.year.deadline = timezone.now() - timedelta(minutes=6)
    world.year.save()
    send()
    assert [m.to[0] for m in mail.outbox[1:] if "could not be scored" in m.subject] == []
    assert "alice@example.org" in [m.to[0] for m in mail.outbox if "results" in m.subject]


@pytest.mark.django_db
def test_a_mail_program_opts_out_in_one_click(world):
    token = opt_out_token(address="bob@example.org", kind="announcement")
    response = Client(enforce_csrf_checks=True).post(reverse("accounts:email-opt-out", args=[token]),
                                                     {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert EmailOptOut.objects.filter(address="bob@example.org", kind="announcement").exists()


@pytest.mark.django_db
def test_every_kind_can_be_stopped_from_one_link(world):
    token = opt_out_token(address="bob@example.org", kind="announcement")
    Client().post(reverse("accounts:email-opt-out", args=[token]), {"scope": "all"})
    assert EmailOptOut.objects.filter(address="bob@example.org").count() == len(OPTIONAL_KINDS)  # every kind one can stop


@pytest.mark.django_db
def test_a_forged_or_altered_link_is_refused(world):
    token = opt_out_token(address="bob@example.org", kind="announcement")
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = Client().post(reverse("accounts:email-opt-out", args=[forged]))
    assert response.status_code == 400 and b"not valid" in response.content
    assert not EmailOptOut.objects.exists()


@pytest.mark.django_db
def test_the_profile_lists_every_kind_with_its_state_and_turns_them_on_and_off(client, world):
    client.login(username="alice", password=PASSWORD)
    page = client.get(reverse("accounts:profile")).content.decode()
    kinds = len(OPTIONAL_KINDS)  # every kind of e-mail one can stop
    assert page.count("Sent to you") == kinds and "Invitations to join a team" in page
    client.post(reverse("accounts:email-preference"), {"kind": "invitation", "receive": "no"})
    page = client.get(reverse("accounts:profile")).content.decode()
    assert page.count("Sent to you") == kinds - 1 and page.count("Stopped") == 1
    client.post(reverse("accounts:email-preference"), {"kind": "invitation", "receive": "yes"})
    assert not EmailOptOut.objects.exists()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db
def test_mail_waits_while_the_mail_server_is_down_and_goes_later(world, lost_file, settings):
    score_submission(submission_id=lost_file.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 2
    send_notifications()
    waiting = OutgoingEmail.objects.get()
    assert (waiting.status, waiting.attempts) == ("queued", 1) and waiting.not_before > timezone.now()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_notifications()
    assert mail.outbox == []  # not before its retry time
    OutgoingEmail.objects.update(not_before=timezone.now() - timedelta(seconds=1))
    send_notifications()
    assert recipients() == ["alice@example.org"]
    assert OutgoingEmail.objects.get().status == "sent"


@pytest.mark.django_db
def test_the_scoring_worker_sends_mail_on_its_passes(world, lost_file):
    Command().handle(loop=False, interval=0)
    assert recipients() == ["alice@example.org"]
