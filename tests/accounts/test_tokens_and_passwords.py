"""Issue 23, item 8: an API token stops working whenever the password changes, by whatever way
(the site's form, the Django admin's own form and its form for another user, `manage.py
changepassword`, the shell); a token from before this change keeps working until then; and the
old-password field of both password-change forms is braked like sign-in."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from challenge.accounts.models import SignInFailure
from tests.base import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a new long passphrase 42"
ATTACKER = "203.0.113.9"


def _token(username="root", password=PASSWORD) -> str:
    response = APIClient().post("/api/auth/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _works(token: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/submissions/").status_code == 200


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)


def test_a_token_stops_working_when_the_password_changes_in_the_django_admin(client, root):
    token = _token()
    assert _works(token)
    client.force_login(root)
    response = client.post("/admin/password_change/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/password_change/done/"
    assert not _works(token)
    fresh = _token(password=NEW_PASSWORD)
    assert _works(fresh)


def test_nor_when_an_administrator_sets_someone_elses_password_in_the_admin(client, root):
    make_user("jo")
    token = _token("jo")
    client.force_login(root)
    jo = get_user_model().objects.get(username="jo")
    response = client.post(reverse("admin:auth_user_password_change", args=[jo.pk]), {
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302
    assert not _works(token)


def test_nor_after_manage_py_changepassword(monkeypatch, root):
    token = _token()
    monkeypatch.setattr("django.contrib.auth.management.commands.changepassword.getpass.getpass",
                        lambda prompt="": NEW_PASSWORD)
    call_command("changepassword", "root", stdout=open("/dev/null", "w"))
    assert not _works(token)


def test_nor_after_set_password_in_the_shell(root):
    token = _token()
    root.set_password(NEW_PASSWORD)
    root.save()
    assert not _works(token)
    refused = APIClient()
    refused.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    answer = refused.get("/api/submissions/")
    assert answer.status_code == 401 and "password changed" in answer.json()["detail"]
    assert _token(password=NEW_PASSWORD) != token  # a new one, under the new password


def test_nor_after_the_sites_own_form_or_a_reset(client):
    user = make_user("kim")
    token = _token("kim")
    client.force_login(user)
    client.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                             "new_password2": NEW_PASSWORD})
    assert not _works(token)
    assert _works(Token.objects.get(user=user).key)  # the profile's new token, issued under the new password


def test_a_token_made_in_the_shell_works_until_the_password_changes(root):
    token = Token.objects.create(user=root).key
    assert _works(token)
    root.set_password(NEW_PASSWORD)
    root.save()
    assert not _works(token)


def test_a_new_hash_of_the_same_password_on_sign_in_keeps_the_token(client, settings, root):
    # A hasher upgrade (say, more iterations after a Django release) rewrites the hash at the next
    # sign-in; the password did not change, so its tokens keep working.
    token = _token()
    settings.PASSWORD_HASHERS = ["tests.accounts.test_tokens_and_passwords.UpgradedHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    before = get_user_model().objects.get(pk=root.pk).password
    assert client.post("/accounts/login/", {"username": "root", "password": PASSWORD}).status_code == 302
    assert get_user_model().objects.get(pk=root.pk).password != before
    assert _works(token)
    assert _token() == token


class UpgradedHasher(MD5PasswordHasher):
    algorithm = "md5-upgraded"


# ---------------------------------------------------------------- the old-password field is braked

def _change(client, url, old_password):
    return client.post(url, {"old_password": old_password, "new_password1": NEW_PASSWORD,
                             "new_password2": NEW_PASSWORD}, REMOTE_ADDR=ATTACKER)


@pytest.mark.parametrize("url", ["/accounts/password_change/", "/admin/password_change/"])
def test_the_old_password_of_both_password_change_forms_is_braked_like_sign_in(client, settings, root, url):
    settings.SIGNIN_MAX_FAILURES = 5
    client.force_login(root)
    for _ in range(5):
        assert _change(client, url, "guess").status_code == 200
    refused = _change(client, url, PASSWORD)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many failed" in refused.content.decode()
    root.refresh_from_db()
    assert root.check_password(PASSWORD)  # unchanged
    # The same count as sign-in: the username is braked on the sign-in page too.
    assert SignInFailure.objects.filter(username="root").count() == 5
    client.logout()
    assert client.post("/accounts/login/", {"username": "root", "password": PASSWORD},
                       REMOTE_ADDR="198.51.100.20").status_code == 429


def test_a_right_old_password_still_changes_it_and_clears_the_count(client, root):
    client.force_login(root)
    _change(client, "/accounts/password_change/", "guess")
    assert _change(client, "/accounts/password_change/", PASSWORD).status_code == 302
    assert not SignInFailure.objects.filter(username="root").exists()


# ---------------------------------------------------------------- tokens from before this change

@pytest.mark.django_db(transaction=True)
def test_tokens_made_before_the_change_keep_working_until_the_next_password_change():
    executor = MigrationExecutor(connection)
    before = [("accounts", "0001_initial"), ("authtoken", "0004_alter_tokenproxy_options")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    User, OldToken = old.get_model("auth", "User"), old.get_model("authtoken", "Token")
    from django.contrib.auth.hashers import make_password

    person = User.objects.create(username="early", password=make_password(PASSWORD))
    key = OldToken.objects.create(key="0" * 40, user=person).key
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    call_command("migrate", verbosity=0)
    early = get_user_model().objects.get(username="early")
    from challenge.accounts.models import TokenBinding

    assert TokenBinding.objects.filter(token_id=key).exists()  # recorded by the migration
    assert _works(key)
    early.set_password(NEW_PASSWORD)
    early.save()
    assert not _works(key)
