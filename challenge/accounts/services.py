"""What happens to an account around its password and e-mail address, in one place."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from rest_framework.authtoken.models import Token

from challenge.accounts import signin
from challenge.accounts.models import SignUpAddress


@transaction.atomic
def password_changed(*, user) -> None:
    """After a password change or reset: the API token is replaced (a leaked token must not
    outlive the password it was traded for) and the sign-in brake on the username is lifted
    (whoever set the password proved the account). Raises nothing."""
    if Token.objects.filter(user=user).delete()[0]:
        Token.objects.create(user=user)
    signin.forget_failures(username=user.get_username())


def record_sign_up(*, user, address: str) -> None:
    """Keep the address an account signed up from, for the organizers' multiple-account signals."""
    SignUpAddress.objects.update_or_create(user=user, defaults={"address": address})


def tell_owners_of_the_address(*, new_user, sign_in_url: str, reset_url: str) -> int:
    """Mail the other accounts with new_user's e-mail address that someone signed up with it.

    Sign-up answers the same whether or not an address is registered (so that nobody can ask
    the site whose address it knows); the owner hears about it here. Returns the mails sent.
    """
    owners = get_user_model().objects.filter(email__iexact=new_user.email, is_active=True).exclude(pk=new_user.pk)
    for owner in owners:
        context = {"owner": owner, "new_user": new_user, "sign_in_url": sign_in_url, "reset_url": reset_url,
                   "site_name": settings.SITE_NAME}
        send_mail(subject=render_to_string("accounts/address_in_use_subject.txt", context).strip(),
                  message=render_to_string("accounts/address_in_use_email.txt", context),
                  from_email=None, recipient_list=[owner.email])
    return len(owners)
