"""Issue 23, item 9: sign-up and password reset are braked per client address and per target
e-mail; their mail is queued in the outbox and sent by the worker's mail loop, never inside the
request; at most one "address already in use" mail per address a day; a person who signs up
through the site's form confirms the e-mail address before submitting, while accounts made any
other way (and every account from before) count as confirmed."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from challenge import policy
from challenge.notices.models import OutgoingEmail
from submissions.models import Submission
from tests.base import PASSWORD, VAL_LABELS, make_user, predictions_file

pytestmark = pytest.mark.django_db

GOOD_VAL = predictions_file([[label] for label in VAL_LABELS])


@pytest.fixture(autouse=True)
def brakes(settings):
    settings.SIGNUPS_PER_CLIENT_PER_HOUR = 5
    settings.SIGNUPS_PER_EMAIL_PER_DAY = 3
    settings.PASSWORD_RESETS_PER_CLIENT_PER_HOUR = 5
    settings.PASSWORD_RESETS_PER_EMAIL_PER_HOUR = 3


def _send_mail():
    call_command("send_notifications", stdout=StringIO())


def _sign_up(username, email, address="203.0.113.5", client=None):
    client = client or Client()
    return client.post(reverse("accounts:signup"), {"username": username, "email": email, "password1": PASSWORD,
                                                    "password2": PASSWORD}, REMOTE_ADDR=address)


def _reset(email, address="203.0.113.5"):
    return Client().post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


# ---------------------------------------------------------------- brakes, and mail outside the request

def test_twenty_sign_ups_with_one_email_are_braked_and_mail_that_address_once(settings):
    settings.SIGNUPS_PER_CLIENT_PER_HOUR = 100
    make_user("victim")
    statuses = [_sign_up(f"copy{i}", "Victim@example.org", address=f"198.51.100.{i}").status_code for i in range(20)]
    assert statuses == [302] * 3 + [429] * 17
    assert get_user_model().objects.filter(email__iexact="victim@example.org").count() == 4
    assert mail.outbox == []  # nothing was sent inside a request
    _send_mail()
    to_victim = [m for m in mail.outbox if m.to[0].lower() == "victim@example.org"]
    in_use = [m for m in to_victim if "already" in m.subject]
    assert len(in_use) == 1  # one a day, however many sign-ups
    assert len(to_victim) == 1 + 3  # and the three new accounts' confirmation links


def test_sign_ups_are_braked_per_client_address_for_any_email():
    statuses = [_sign_up(f"spray{i}", f"spray{i}@example.org").status_code for i in range(8)]
    assert statuses == [302] * 5 + [429] * 3
    refused = _sign_up("one-more", "fresh@example.org")
    assert "Too many sign-ups" in refused.content.decode() and int(refused["Retry-After"]) > 0
    assert _sign_up("elsewhere", "elsewhere@example.org", address="198.51.100.77").status_code == 302


def test_password_resets_are_braked_per_email_and_per_client_and_mailed_by_the_worker():
    make_user("kim")
    statuses = [_reset("kim@example.org", address=f"198.51.100.{i}").status_code for i in range(16)]
    assert statuses == [302] * 3 + [429] * 13
    assert mail.outbox == []
    _send_mail()
    assert len(mail.outbox) == 3
    assert re.search(r"https?://[^/]+/accounts/reset/\S+", mail.outbox[0].body)
    spray = [_reset(f"nobody{i}@example.org").status_code for i in range(7)]
    assert spray == [302] * 5 + [429] * 2
    assert "Too many" in _reset("other@example.org").content.decode()


def test_the_address_in_use_mail_goes_once_a_day(settings):
    settings.SIGNUPS_PER_EMAIL_PER_DAY = 100
    settings.SIGNUPS_PER_CLIENT_PER_HOUR = 100
    make_user("erin")
    for i in range(4):
        assert _sign_up(f"erin{i}", "erin@example.org").status_code == 302
    _send_mail()
    in_use = [m for m in mail.outbox if m.to == ["erin@example.org"] and "already" in m.subject]
    assert len(in_use) == 1 and "erin0" in in_use[0].body


# ---------------------------------------------------------------- confirming the address

def _confirmation_link(address: str) -> str:
    _send_mail()
    bodies = [m.body for m in mail.outbox if m.to == [address] and "/accounts/confirm/" in m.body]
    return re.search(r"https?://[^/\s]+(/accounts/confirm/\S+)", bodies[-1]).group(1)


def test_a_person_who_signs_up_confirms_the_address_before_submitting(world):
    browser = Client()
    assert _sign_up("dana", "dana@example.org", client=browser).status_code == 302
    dana = get_user_model().objects.get(username="dana")
    assert not policy.email_confirmed(dana)
    assert browser.post(reverse("teams:create", args=[world.year.slug]), {"name": "Delta"}).status_code == 302

    page = browser.get(reverse("submissions:submit", args=[world.year.slug])).content.decode()
    assert "Confirm your e-mail address" in page and reverse("accounts:confirm-email-resend") in page
    assert "Upload and score" not in page
    api = APIClient()
    api.force_authenticate(dana)
    refused = api.post("/api/submissions/", {"year": world.year.slug, "task": "classification", "split": "val",
                                             "entry": "e", "file": SimpleUploadedFile("p.txt", GOOD_VAL)},
                       format="multipart")
    assert refused.status_code == 403
    message = refused.json()["errors"][0]["message"]
    assert "Confirm your e-mail address" in message and reverse("accounts:profile") in message

    first = _confirmation_link("dana@example.org")
    mail.outbox.clear()
    assert browser.post(reverse("accounts:confirm-email-resend")).status_code == 302
    _send_mail()
    assert [m.to for m in mail.outbox] == [["dana@example.org"]]  # a new link, by the mail loop
    assert Client().get(first).status_code == 200  # either link works, signed in or not
    dana.refresh_from_db()
    assert policy.email_confirmed(dana)
    accepted = api.post("/api/submissions/", {"year": world.year.slug, "task": "classification", "split": "val",
                                              "entry": "e", "file": SimpleUploadedFile("p.txt", GOOD_VAL)},
                        format="multipart")
    assert accepted.status_code == 201 and Submission.objects.filter(submitted_by=dana).exists()


def test_a_forged_or_stale_confirmation_link_confirms_nothing(world):
    _sign_up("dana", "dana@example.org")
    dana = get_user_model().objects.get(username="dana")
    link = _confirmation_link("dana@example.org")
    assert Client().get(link[:-3] + "xyz/").status_code == 400
    get_user_model().objects.filter(pk=dana.pk).update(email="other@example.org")  # the link was for the old one
    assert Client().get(link).status_code == 400
    assert not policy.email_confirmed(dana)


def test_accounts_made_any_other_way_count_as_confirmed(client, world):
    made_by_code = make_user("made-by-code")
    call_command("createsuperuser", "--noinput", "--username", "made-by-command", "--email", "c@example.org",
                 stdout=StringIO())
    root = get_user_model().objects.get(username="made-by-command")
    client.force_login(root)
    client.post("/admin/auth/user/add/", {"username": "made-in-admin", "password1": PASSWORD, "password2": PASSWORD,
                                          "usable_password": "true"})
    for username in ("made-by-code", "made-by-command", "made-in-admin", "alice"):
        assert policy.email_confirmed(get_user_model().objects.get(username=username)), username
    assert made_by_code.pk


def test_sign_up_mail_is_not_sent_inside_the_request_even_when_the_address_is_new():
    assert _sign_up("newbie", "newbie@example.org").status_code == 302
    assert mail.outbox == []
    assert OutgoingEmail.objects.filter(to_address="newbie@example.org", status=OutgoingEmail.Status.QUEUED).exists()
