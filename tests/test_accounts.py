"""Sign up, log in, reset a password by email, and manage the API token."""

import re

import pytest
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


def test_it_refuses_a_taken_email_and_a_weak_password(client):
    make_user("erin")
    response = client.post(reverse("accounts:signup"), {
        "username": "erin2", "email": "ERIN@example.org", "password1": "123", "password2": "123",
    })
    page = response.content.decode()
    assert response.status_code == 200 and "reset its password" in page and "too short" in page
    assert not get_user_model().objects.filter(username="erin2").exists()


def test_it_ignores_an_offsite_next_after_sign_up(client):
    response = client.post(reverse("accounts:signup") + "?next=https://evil.example/", {
        "username": "fay", "email": "fay@example.org", "password1": PASSWORD, "password2": PASSWORD,
    })
    assert response["Location"] == reverse("challenge:home")


def test_it_resets_a_password_by_email(client):
    make_user("gus")
    response = client.post(reverse("password_reset"), {"email": "gus@example.org"})
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
