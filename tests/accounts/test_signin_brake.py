"""One brake on password guessing for every way in (the sign-in page, the API's token endpoint,
the admin login), counted in the database per username and per client address; the client
address is the connection's unless trusted proxies are configured; DRF's throttles count in a
store every process shares, with the same address rule. The same brake against real gunicorn
workers: tests/site/test_live_defenses.py."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from challenge.accounts.models import RateCount, SignInFailure
from challenge.accounts.signin import ThrottledLoginView
from submissions.models import Submission
from tests.base import PASSWORD, VAL_LABELS, predictions_file

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.7"


def _page(client, password, username="alice", address=ATTACKER, **headers):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address,
                       **headers)


def _token(password, username="alice", address=ATTACKER, **headers):
    return APIClient().post("/api/auth/token/", {"username": username, "password": password}, format="json",
                            REMOTE_ADDR=address, **headers)


def _admin(client, password, username="root", address=ATTACKER):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password,
                                                      "next": "/admin/"}, REMOTE_ADDR=address)


@pytest.fixture(autouse=True)
def brake(settings):
    settings.SIGNIN_MAX_FAILURES = 5
    settings.SIGNIN_MAX_ADDRESS_FAILURES = 30
    settings.SIGNIN_LOCKOUT_SECONDS = 900
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "token": "1000/min", "submission": "1000/min"}}


def test_it_refuses_without_checking_the_password_after_five_failures(client, world):
    for _ in range(5):
        assert _page(client, "wrong").status_code == 200
    refused = _page(client, PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_user_locked_out_on_the_page_gets_no_token_from_the_api_either(client, world):
    for _ in range(5):
        _page(client, "wrong")
    refused = _token(PASSWORD, address="198.51.100.1")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many failed sign-ins" in refused.json()["errors"][0]["message"]
    assert not Token.objects.exists()


def test_guesses_through_the_api_with_a_new_forwarded_address_each_time_are_braked(client, world):
    statuses = [_token(f"guess {i}", HTTP_X_FORWARDED_FOR=f"10.0.{i}.1").status_code for i in range(100)]
    assert statuses == [400] * 5 + [429] * 95
    assert _page(client, PASSWORD, address="198.51.100.2").status_code == 429


def test_the_admin_login_is_braked_too(client, world):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    for _ in range(12):
        assert _admin(client, "wrong").status_code == 200
    response = _admin(client, PASSWORD)
    assert response.status_code != 302 and "_auth_user_id" not in client.session
    assert _token(PASSWORD, username="root").status_code == 429


def test_the_brake_holds_a_username_from_any_address_and_an_address_for_any_username(client, world, settings):
    settings.SIGNIN_MAX_ADDRESS_FAILURES = 8
    for _ in range(5):
        _page(client, "wrong")
    assert _page(client, PASSWORD, address="198.51.100.3").status_code == 429  # alice, from elsewhere
    assert _page(client, PASSWORD, username="bob").status_code == 302  # bob, from the same address
    client.logout()
    for name in ("carol", "dave", "erin"):  # spraying usernames from one address
        _page(client, "wrong", username=name)
    assert _page(client, PASSWORD, username="charlie").status_code == 429
    assert _page(client, PASSWORD, username="charlie", address="198.51.100.4").status_code == 302


def test_a_successful_sign_in_clears_the_count_and_the_brake_lifts_later(client, world, settings):
    settings.SIGNIN_MAX_FAILURES = 3
    for _ in range(2):
        _page(client, "wrong")
    assert _page(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(2):
        assert _page(client, "wrong").status_code == 200
    settings.SIGNIN_LOCKOUT_SECONDS = 0  # the window has passed
    _page(client, "wrong")
    assert _page(client, PASSWORD).status_code == 302


def test_failures_older_than_the_window_are_purged(client, world):
    SignInFailure.objects.create(username="old", address="192.0.2.1", at=timezone.now() - timedelta(hours=1))
    _page(client, "wrong")
    assert list(SignInFailure.objects.values_list("username", flat=True)) == ["alice"]


def test_a_password_reset_lifts_the_brake(client, world):
    import re
    from io import StringIO

    from django.core import mail
    from django.core.management import call_command

    for _ in range(5):
        _page(client, "wrong")
    client.post(reverse("password_reset"), {"email": "alice@example.org"})
    call_command("send_notifications", stdout=StringIO())  # the worker's mail loop
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": "a new long passphrase 42",
                                                  "new_password2": "a new long passphrase 42"})
    assert _page(client, "a new long passphrase 42").status_code == 302


def test_the_site_mounts_the_braked_sign_in_and_backend(settings):
    assert getattr(resolve("/accounts/login/").func, "view_class", None) is ThrottledLoginView
    assert settings.AUTHENTICATION_BACKENDS == ["challenge.accounts.signin.BrakedModelBackend"]


# ---- the client address ----------------------------------------------------------------------

@pytest.mark.parametrize("trusted, forwarded, expected", [
    (0, "10.1.1.1", "192.0.2.9"),  # no proxy trusted: the header is anyone's to write
    (1, "10.1.1.1", "10.1.1.1"),
    (1, "6.6.6.6, 10.1.1.1", "10.1.1.1"),  # the client wrote the first entry; our proxy the last
    (2, "6.6.6.6, 10.1.1.1, 10.9.9.9", "10.1.1.1"),
    (3, "10.1.1.1", "10.1.1.1"),  # fewer entries than proxies: the first
    (1, "not an address", "192.0.2.9"),
    (1, "", "192.0.2.9"),
])
def test_the_client_address_trusts_forwarded_entries_only_from_configured_proxies(settings, trusted, forwarded,
                                                                                 expected):
    from config.network import client_address

    settings.TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_behind_one_trusted_proxy_the_brake_keys_on_the_forwarded_client(client, world, settings):
    settings.TRUSTED_PROXIES = 1
    settings.SIGNIN_MAX_ADDRESS_FAILURES = 3
    for name in ("carol", "dave", "erin"):
        _page(client, "wrong", username=name, address="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    behind_the_same_proxy = {"address": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.8"}
    assert _page(client, PASSWORD, username="bob", **behind_the_same_proxy).status_code == 302
    assert SignInFailure.objects.filter(address="198.51.100.7").count() == 3


# ---- DRF's throttles and the HTML submit page -----------------------------------------------

def test_api_throttles_count_per_client_address_in_the_shared_cache(settings, world):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "token": "3/min", "submission": "1000/min"}}
    statuses = [_token(PASSWORD, HTTP_X_FORWARDED_FOR=f"10.0.{i}.1").status_code for i in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert RateCount.objects.filter(key=f"throttle:token:address:{ATTACKER}").exists()  # the database, not this process's memory
    assert _token(PASSWORD, address="198.51.100.9").status_code == 200


def test_the_html_submit_page_shares_the_api_upload_throttle(client, settings, world):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "token": "1000/min", "submission": "2/min"}}
    good = predictions_file([[label] for label in VAL_LABELS])
    api = APIClient()
    api.force_authenticate(world.alice)
    payload = {"year": world.year.slug, "task": world.task.slug, "split": "val", "entry": "api"}
    for _ in range(2):
        assert api.post("/api/submissions/", {**payload, "file": SimpleUploadedFile("p.txt", good)}).status_code == 201
    client.force_login(world.alice)
    page = client.post(reverse("submissions:submit", args=[world.year.slug]), {
        "split": world.val.pk, "entry_name": "page", "description": "", "file": SimpleUploadedFile("p.txt", good)})
    assert page.status_code == 429 and "Too many uploads" in page.content.decode()
    assert Submission.objects.count() == 2
