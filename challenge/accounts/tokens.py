"""API tokens bound to the password they were issued under.

A token works only while the account's password hash is the one it was issued under (a
`TokenBinding` keeps a fingerprint of it). The hash changes whenever the password is set, by
whatever way: the site's forms, a reset, the Django admin (one's own or someone else's),
`manage.py changepassword`, `set_password()` and `save()` in a shell, even a raw write of the
column. So a token traded for a password, or stolen, never outlives that password.

A new hash of the same password (a hasher's upgrade, rewritten at the next sign-in) is not a
change: the sign-in backend moves the account's tokens to the new hash (`follow_new_hash`). A
token made outside the site's own ways of issuing one (the Django admin's token pages, DRF's
`drf_create_token`, `Token.objects.create` in a shell) has no binding yet: it is bound to the
hash it first meets.
"""

import hashlib

from django.contrib.auth import get_user_model
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from challenge.accounts.models import TokenBinding

STALE = ("This token stopped working when the account's password changed. Get a new one on your profile "
         "page or from POST /api/auth/token/.")


def password_fingerprint(password_hash: str) -> str:
    """A fingerprint of a stored password hash (salted, so it changes with every new password)."""
    return hashlib.sha256(password_hash.encode()).hexdigest()


def is_current(token: Token) -> bool:
    """Whether `token` still works: bound to the account's present password hash (or not bound yet)."""
    binding = TokenBinding.objects.filter(token=token).first()
    return binding is None or binding.password_fingerprint == password_fingerprint(token.user.password)


def bind(token: Token) -> TokenBinding:
    """Bind `token` to the account's present password hash."""
    binding, _ = TokenBinding.objects.update_or_create(
        token=token, defaults={"password_fingerprint": password_fingerprint(token.user.password)})
    return binding


def follow_new_hash(*, user, previous_hash: str) -> None:
    """The account's password was hashed anew without changing (proven by a sign-in): its tokens
    bound to the previous hash move to the new one."""
    if previous_hash and previous_hash != user.password:
        TokenBinding.objects.filter(token__user=user, password_fingerprint=password_fingerprint(previous_hash)).update(
            password_fingerprint=password_fingerprint(user.password))


def stored_hash(username) -> str:
    """The password hash stored for `username` ("" when there is no such account)."""
    model = get_user_model()
    return model._default_manager.filter(**{model.USERNAME_FIELD: username}).values_list(
        "password", flat=True).first() or ""


class PasswordBoundTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing (401) a token whose account's password changed since
    it was issued. One query, as DRF's own: the token, its account and its binding together."""

    def authenticate_credentials(self, key):
        token = Token.objects.select_related("user", "binding").filter(key=key).first()
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        fingerprint = password_fingerprint(token.user.password)
        binding = getattr(token, "binding", None)
        if binding is None:
            TokenBinding.objects.get_or_create(token=token, defaults={"password_fingerprint": fingerprint})
        elif binding.password_fingerprint != fingerprint:
            raise exceptions.AuthenticationFailed(STALE)
        return token.user, token
