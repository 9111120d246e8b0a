"""Sign up, log in, reset a password by email, and manage the API token."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.base import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_it_signs_up_and_logs_the_person_in(client):
    response = client.post(reverse("accounts:signup"), {
        "username": "dana", "email": "dana@example.org", "password1": PASSWORD, "password2": PASSWORD,
    })
    assert response.status_code == 302
    user = get_user_model().objects.get(username="dana")
    assert user.email == "dana@example.org" and user.check_password(PASSWORD)
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_it_refuses_a_weak_password(client):
    response = client.post(reverse("accounts:signup"), {
        "username": "erin2", "email": "erin2@example.org", "password1": "123", "password2": "123",
    })
    assert response.status_code == 200 and "too short" in response.content.decode()
    assert not get_user_model().objects.filter(username="erin2").exists()


def _sign_up(username, email):
    from django.test import Client

    client = Client()
    response = client.post(reverse("accounts:signup"), {
        "username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD})
    page = client.get(response["Location"]).content.decode().replace(username, "NAME")
    return response, re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", page)


def test_sign_up_answers_the_same_whether_or_not_the_email_is_registered_and_mails_its_owner():
    make_user("erin")
    fresh, fresh_page = _sign_up("newbie", "newbie@example.org")
    taken, taken_page = _sign_up("erin2", "ERIN@example.org")
    assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"])
    assert taken_page == fresh_page
    _send_mail()  # the worker's mail loop sends what sign-up queued (the new accounts' confirmation links too)
    in_use = [message for message in mail.outbox if "/accounts/confirm/" not in message.body]
    assert [message.to for message in in_use] == [["erin@example.org"]]
    assert "erin2" in in_use[0].body and reverse("password_reset") in in_use[0].body


def _send_mail():
    call_command("send_notifications", stdout=StringIO())


def _token_of(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key


def test_a_password_change_replaces_the_api_token(client):
    user = make_user("jo")
    old = _token_of(user)
    client.login(username="jo", password=PASSWORD)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "a new long passphrase 42", "new_password2": "a new long passphrase 42"})
    assert response.status_code == 302
    assert not Token.objects.filter(key=old).exists() and Token.objects.filter(user=user).exists()


def test_a_password_reset_replaces_the_api_token(client):
    user = make_user("kim")
    old = _token_of(user)
    client.post(reverse("password_reset"), {"email": "kim@example.org"})
    _send_mail()
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": "a new long passphrase 42",
                                                           "new_password2": "a new long passphrase 42"})
    assert done.status_code == 302
    assert not Token.objects.filter(key=old).exists()


def test_pages_that_show_secrets_are_never_stored_by_caches(client, world):
    _token_of(world.alice)
    client.login(username="alice", password=PASSWORD)
    for url in (reverse("accounts:profile"), reverse("teams:detail", args=[world.alpha.pk])):
        response = client.get(url)
        assert response.status_code == 200 and "no-store" in response.get("Cache-Control", ""), url
    client.login(username="olivia", password=PASSWORD)
    response = client.get(reverse("organize:year", args=[world.year.slug]))
    assert "no-store" in response.get("Cache-Control", "")


def test_it_ignores_an_offsite_next_after_sign_up(client):
    response = client.post(reverse("accounts:signup") + "?next=https://evil.example/", {
        "username": "fay", "email": "fay@example.org", "password1": PASSWORD, "password2": PASSWORD,
    })
    assert response["Location"] == reverse("challenge:home")


def test_it_resets_a_password_by_email(client):
    make_user("gus")
    response = client.post(reverse("password_reset"), {"email": "gus@example.org"})
    _send_mail()
    assert response.status_code == 302 and len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": "a new long passphrase 42",
                                                           "new_password2": "a new long passphrase 42"})
    assert done.status_code == 302
    assert client.login(username="gus", password="a new long passphrase 42")


def test_the_login_page_links_to_sign_up_and_reset(client):
    page = client.get(reverse("login")).content.decode()
    assert reverse("accounts:signup") in page and reverse("password_reset") in page


def test_it_creates_and_rotates_the_api_token(client):
    user = make_user("hal")
    client.login(username="hal", password=PASSWORD)
    assert "no token yet" in client.get(reverse("accounts:profile")).content.decode()
    client.post(reverse("accounts:rotate-token"))
    first = Token.objects.get(user=user).key
    assert first in client.get(reverse("accounts:profile")).content.decode()
    client.post(reverse("accounts:rotate-token"))
    second = Token.objects.get(user=user).key
    assert second != first and not Token.objects.filter(key=first).exists()


def test_the_profile_needs_a_login_and_rotation_needs_post(client):
    assert client.get(reverse("accounts:profile")).status_code == 302
    make_user("ivy")
    client.login(username="ivy", password=PASSWORD)
    assert client.get(reverse("accounts:rotate-token")).status_code == 405
