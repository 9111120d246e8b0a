"""E-mail that tells a team where it stands (issue 24, item 7): the results e-mail gives each team
its own rank on each final board; a team is told when the ground truth its entries were scored
on changes; every link of every e-mail starts with the address the site is served on."""

import os
import re
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from challenge.competition.models import ChallengeYear
from challenge.notices.models import EmailKind, OutgoingEmail
from challenge.teams.services import invite_by_email
from submissions.ground_truth_uploads import upload_ground_truth
from submissions.leaderboards.archives import freeze_results
from submissions.moderation import moderate_submission
from submissions.notices import notify_scoring_failed, queue_deadline_reminders
from submissions.services import create_submission, score_submission
from tests.base import PASSWORD, TEST_LABELS, labels_file, make_team, make_user
from tests.leaderboard_helpers import open_quota, submit

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"https?://[^\s>]+")


def send():
    call_command("send_notifications", stdout=StringIO())


def finish(world):
    ChallengeYear.objects.filter(pk=world.year.pk).update(deadline=timezone.now() - timedelta(days=2),
                                                          results_at=timezone.now() - timedelta(minutes=5))
    world.year.refresh_from_db()
    freeze_results(split=world.test)


@pytest.mark.django_db
def test_the_results_email_tells_each_team_its_own_rank(world, settings):
    settings.SITE_URL = "http://127.0.0.1:8201"
    dana = make_user("dana")
    make_team(world.year, "Delta", dana)  # a team with no entry
    submit(world.test, world.alpha, world.alice, wrong=3, entry="a")
    submit(world.test, world.charlies_team, world.charlie, wrong=1, entry="c")
    finish(world)
    send()
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert set(bodies) == {"alice@example.org", "bob@example.org", "charlie@example.org", "dana@example.org"}
    board = f"http://127.0.0.1:8201/years/{world.year.slug}/tasks/classification/test/leaderboard/"
    assert f"- Classification, Test: rank 2 of 2, top-5 error 30.000%. The board: {board}" in bodies["alice@example.org"]
    assert "Your team Alpha:" in bodies["bob@example.org"] and "rank 2 of 2" in bodies["bob@example.org"]
    assert "rank 1 of 2, top-5 error 10.000%" in bodies["charlie@example.org"]
    assert "has no ranked entry on the final boards" in bodies["dana@example.org"]


@pytest.mark.django_db
def test_a_team_is_told_when_the_ground_truth_its_entries_were_scored_on_changes(world):
    open_quota(world.test)
    submit(world.test, world.alpha, world.alice, wrong=1, entry="a1")
    submit(world.test, world.alpha, world.bob, wrong=2, entry="a2")
    outsider = make_user("outsider")
    make_team(world.year, "No entries", outsider)
    new = list(reversed(TEST_LABELS))
    upload_ground_truth(user=world.olivia, split=world.test, labels=labels_file(new))
    send()
    told = {message.to[0]: message for message in mail.outbox}
    assert set(told) == {"alice@example.org", "bob@example.org"}  # charlie's team and the outsider have no entry on it
    message = told["alice@example.org"]
    assert "ground truth of Classification (Test) changed" in message.subject
    assert "2 entries of your team Alpha were scored on the previous version" in message.body
    assert "They are being rescored" in message.body
    # Once per person and version: the queue keeps one mail each.
    assert OutgoingEmail.objects.filter(kind=EmailKind.GROUND_TRUTH_CHANGED).count() == 2


@pytest.mark.django_db
def test_every_link_in_every_email_uses_the_address_the_site_is_served_on(world, settings, private_storage):
    settings.SITE_URL = "http://127.0.0.1:8201"
    submit(world.test, world.alpha, world.alice, wrong=1, entry="scored on the first labels")
    lost = create_submission(team=world.alpha, split=world.val, user=world.alice, entry_name="lost",
                             data=b"\n".join(b"%d" % label for label in range(1, 11)) + b"\n")
    (private_storage / lost.file_key).unlink()
    score_submission(submission_id=lost.pk)  # fails through the site's fault: its mail is queued
    notify_scoring_failed(submission_id=lost.pk)
    ChallengeYear.objects.filter(pk=world.year.pk).update(deadline=timezone.now() + timedelta(hours=10))
    world.year.refresh_from_db()
    queue_deadline_reminders()
    invite_by_email(team=world.alpha, user=world.alice, address="friend@example.org")
    client = Client()
    client.force_login(world.olivia)
    client.post(reverse("organize:announcement-create", args=[world.year.slug]),
                {"title": "News", "body": "A change", "action": "post"})
    disqualified = submit(world.val, world.alpha, world.alice, wrong=2, entry="disqualified")
    moderate_submission(user=world.olivia, submission=disqualified, disqualified=True,
                        disqualified_reason="Trained on validation images", not_comparable=False,
                        not_comparable_reason="")
    # The account's own mail: a sign-up's confirmation link (and the word to the address's owner),
    # a password reset.
    Client().post(reverse("accounts:signup"), {"username": "newcomer", "email": world.alice.email,
                                               "password1": PASSWORD, "password2": PASSWORD})
    Client().post(reverse("password_reset"), {"email": world.alice.email})
    upload_ground_truth(user=world.olivia, split=world.test, labels=labels_file(list(reversed(TEST_LABELS))))
    finish(world)
    send()
    kinds = set(OutgoingEmail.objects.values_list("kind", flat=True))
    assert kinds == set(EmailKind.values)  # every kind of e-mail the site sends
    links = [link for message in mail.outbox for link in LINK.findall(message.body)]
    # The account's own mail cannot be stopped, so it carries no List-Unsubscribe.
    links += [link for message in mail.outbox for link in LINK.findall(message.extra_headers.get("List-Unsubscribe", ""))]
    assert links and all(link.startswith("http://127.0.0.1:8201/") for link in links), [
        link for link in links if not link.startswith("http://127.0.0.1:8201/")]


def test_the_run_command_serves_and_links_on_one_port():
    run = (ROOT / "scripts" / "run").read_text()
    assert 'export SITE_URL=${SITE_URL:-http://127.0.0.1:$PORT}' in run
    assert run.index("export SITE_URL") < run.index("gunicorn config.wsgi") and run.index("export SITE_URL") < run.index(
        "score_pending --loop")
    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    env.update(PORT="8201", DEBUG="True", DJANGO_SETTINGS_MODULE="config.settings")
    printed = subprocess.run([sys.executable, "-c", "from django.conf import settings; print(settings.SITE_URL)"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert printed.stdout.strip() == "http://127.0.0.1:8201", printed.stderr
