"""What happens to an account around its password, its API token and its e-mail address, in one place.

Every mail about an account (confirming its address, a password reset, someone signing up with
its address) is queued in the outbox (challenge.notices.mail) and sent by the worker's mail loop,
never inside the request. Sign-up, new confirmation links and password resets are braked per
client address and per target e-mail with the one atomic rate counter (challenge.accounts.rates).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from challenge.accounts import rates, signin, tokens
from challenge.accounts.models import EmailConfirmation, SignUpAddress
from challenge.notices.mail import Mail, queue_emails, site_url
from challenge.notices.models import EmailKind

CONFIRM_SALT = "challenge.accounts.confirm-email"
CONFIRMATION_LINK_DAYS = 7


# ---------------------------------------------------------------- the API token and the password

@transaction.atomic
def api_token(*, user) -> Token:
    """The account's API token, issued under its present password: the one it has while that
    still works, else a new one (an old one bound to an earlier password is replaced)."""
    # The account's row is locked, so that simultaneous requests (several clients signing in at
    # once) all get the one token rather than replacing each other's.
    get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
    token = Token.objects.select_related("user").filter(user=user).first()
    if token is not None and tokens.is_current(token):
        tokens.bind(token)  # a token made outside the site is bound from now on
        return token
    return replace_api_token(user=user)


@transaction.atomic
def replace_api_token(*, user) -> Token:
    """A new API token for the account, bound to its present password; the old one stops at once."""
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    tokens.bind(token)
    return token


@transaction.atomic
def password_changed(*, user) -> None:
    """After a password change or reset made on the site's or the admin's forms: the API token
    is replaced (a token bound to the old password would stop anyway; the profile shows a
    working one) and the sign-in brake on the username is lifted (whoever set the password proved
    the account). Raises nothing."""
    if Token.objects.filter(user=user).exists():
        replace_api_token(user=user)
    signin.forget_failures(username=user.get_username())


# ---------------------------------------------------------------- brakes on what mails strangers

@dataclass(frozen=True)
class Braked:
    """A request refused by a brake: what to say, and when to try again."""

    message: str
    retry_after: int  # seconds


def _brake(*, keys: list[tuple[str, int, timedelta]], what: str) -> Braked | None:
    # Counted one key after another: a refusal by the first does not use up the others.
    for key, limit, window in keys:
        decision = rates.hit(key=key, limit=limit, window=window)
        if not decision.allowed:
            minutes = max(1, math.ceil(decision.retry_after / 60))
            return Braked(f"Too many {what} from your address or for this e-mail address. Please try again in "
                          f"{minutes} minute{'s' if minutes != 1 else ''}.", max(1, math.ceil(decision.retry_after)))
    return None


def _email_key(email: str) -> str:
    return email.strip().lower()


def signup_brake(*, client: str, email: str) -> Braked | None:
    """Count a sign-up from `client` (an IP address) with `email`; a Braked when either has had too
    many: SIGNUPS_PER_CLIENT_PER_HOUR per client address, SIGNUPS_PER_EMAIL_PER_DAY per e-mail
    (which confirmation links sent again count against too)."""
    return _brake(keys=[(f"signup:client:{client}", settings.SIGNUPS_PER_CLIENT_PER_HOUR, timedelta(hours=1)),
                        (f"signup:email:{_email_key(email)}", settings.SIGNUPS_PER_EMAIL_PER_DAY, timedelta(days=1))],
                  what="sign-ups")


def password_reset_brake(*, client: str, email: str) -> Braked | None:
    """Count a password-reset request from `client` for `email`; a Braked when either has had too
    many: PASSWORD_RESETS_PER_CLIENT_PER_HOUR per client address, PASSWORD_RESETS_PER_EMAIL_PER_HOUR
    per e-mail (whether or not an account has it, so the answer tells nobody)."""
    return _brake(keys=[(f"reset:client:{client}", settings.PASSWORD_RESETS_PER_CLIENT_PER_HOUR, timedelta(hours=1)),
                        (f"reset:email:{_email_key(email)}", settings.PASSWORD_RESETS_PER_EMAIL_PER_HOUR,
                         timedelta(hours=1))],
                  what="password resets")


# ---------------------------------------------------------------- signing up, confirming the address

def record_sign_up(*, user, address: str) -> None:
    """Keep the address an account signed up from, for the organizers' multiple-account signals."""
    SignUpAddress.objects.update_or_create(user=user, defaults={"address": address})


@transaction.atomic
def signed_up(*, user) -> None:
    """After someone signed up through the site's form: their address waits for confirmation
    (challenge.policy.email_confirmed), the link to confirm it is mailed, and the other accounts
    with that address hear of it (at most once a day). Mail is queued, never sent here."""
    EmailConfirmation.objects.update_or_create(user=user, defaults={"confirmed_at": None})
    queue_confirmation_mail(user=user)
    tell_owners_of_the_address(new_user=user)


def confirmation_token(*, user) -> str:
    """The signed token of the link that confirms this account's present e-mail address."""
    return signing.dumps({"u": user.pk, "e": user.email.strip().lower()}, salt=CONFIRM_SALT)


def queue_confirmation_mail(*, user) -> int:
    """Queue the mail with the link that confirms the account's e-mail address; returns 1, or 0
    for an account without an address."""
    url = site_url(reverse("accounts:confirm-email", args=[confirmation_token(user=user)]))
    return queue_emails([Mail(kind=EmailKind.ACCOUNT, to=user.email, user=user, template="confirm_email",
                              context={"user": user, "confirm_url": url, "days": CONFIRMATION_LINK_DAYS})])


def resend_confirmation(*, user, client: str) -> Braked | None:
    """Mail a new confirmation link to a person who has not confirmed their address yet, behind
    the sign-up brake of that e-mail (and of the client address). Returns a Braked when refused,
    None when queued (or when there is nothing to confirm)."""
    if not EmailConfirmation.objects.filter(user=user, confirmed_at__isnull=True).exists() or not user.email:
        return None
    refused = signup_brake(client=client, email=user.email)
    if refused is None:
        queue_confirmation_mail(user=user)
    return refused


class ConfirmationRefused(Exception):
    """A confirmation link that is not ours, expired, or for an address the account no longer has."""


def confirm_email(*, token: str):
    """Confirm the address a link was mailed to; returns the account. Idempotent. Raises
    ConfirmationRefused for a forged or expired link, or one for another address than the
    account's present one."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=timedelta(days=CONFIRMATION_LINK_DAYS))
    except signing.BadSignature as exc:  # SignatureExpired included
        raise ConfirmationRefused("This confirmation link is not valid or has expired.") from exc
    user = get_user_model().objects.filter(pk=data.get("u") if isinstance(data, dict) else None).first()
    if user is None or user.email.strip().lower() != data.get("e"):
        raise ConfirmationRefused("This confirmation link is for an address the account no longer has.")
    EmailConfirmation.objects.filter(user=user, confirmed_at__isnull=True).update(confirmed_at=timezone.now())
    return user


def tell_owners_of_the_address(*, new_user) -> int:
    """Mail the address of new_user that someone signed up with it, when other accounts have it.

    Sign-up answers the same whether or not an address is registered (so that nobody can ask
    the site whose address it knows); the owner hears about it here, at most once a day however
    many sign-ups use the address. Returns the mails queued (0 or 1).
    """
    owners = list(get_user_model().objects.filter(email__iexact=new_user.email, is_active=True)
                  .exclude(pk=new_user.pk).order_by("date_joined", "pk"))
    if not owners:
        return 0
    address = owners[0].email
    context = {"owners": owners, "new_user": new_user, "sign_in_url": site_url(reverse("login")),
               "reset_url": site_url(reverse("password_reset"))}
    day = timezone.now().strftime("%Y-%m-%d")
    return queue_emails([Mail(kind=EmailKind.ACCOUNT, to=address, template="address_in_use", context=context,
                              once_key=f"address-in-use:{day}:{_email_key(address)}"[:200])])


def queue_password_reset_mail(*, user, context: dict) -> int:
    """Queue Django's password-reset mail (its context: uid and token) for the mail loop."""
    url = site_url(reverse("password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]}))
    return queue_emails([Mail(kind=EmailKind.ACCOUNT, to=context["email"], user=user, template="password_reset",
                              context={"user": user, "reset_url": url})])
