"""Sign-in is throttled after repeated failures for one username from one address."""

import pytest
from django.urls import resolve

from challenge.signin import ThrottledLoginView
from tests.base import PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(client, password, username="alice", address="203.0.113.7"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.urls("tests.signin_urls")
def test_it_refuses_without_checking_the_password_after_five_failures(client, world, settings):
    settings.SIGNIN_MAX_FAILURES = 5
    for _ in range(5):
        assert _sign_in(client, "wrong").status_code == 200
    refused = _sign_in(client, PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.urls("tests.signin_urls")
def test_the_brake_is_per_username_and_address(client, world, settings):
    settings.SIGNIN_MAX_FAILURES = 3
    for _ in range(3):
        _sign_in(client, "wrong")
    assert _sign_in(client, PASSWORD).status_code == 429
    # Alice from elsewhere, and bob from the same address, are not held up by it.
    assert _sign_in(client, PASSWORD, address="198.51.100.1").status_code == 302
    client.logout()
    assert _sign_in(client, PASSWORD, username="bob").status_code == 302


@pytest.mark.urls("tests.signin_urls")
def test_a_successful_sign_in_clears_the_count_and_the_brake_lifts_later(client, world, settings):
    settings.SIGNIN_MAX_FAILURES = 3
    for _ in range(2):
        _sign_in(client, "wrong")
    assert _sign_in(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(2):
        assert _sign_in(client, "wrong").status_code == 200
    settings.SIGNIN_LOCKOUT_SECONDS = 0  # the window has passed
    _sign_in(client, "wrong")
    assert _sign_in(client, PASSWORD).status_code == 302


def test_the_site_mounts_the_throttled_sign_in():
    assert getattr(resolve("/accounts/login/").func, "view_class", None) is ThrottledLoginView
