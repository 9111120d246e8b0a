"""The account forms: sign-up, the password-change forms of the site and of the admin (their old
password behind the sign-in brake), and the password-reset request (its mail queued)."""

from django import forms
from django.contrib.admin.forms import AdminPasswordChangeForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, UserCreationForm

from challenge.accounts import services as account_services
from challenge.accounts import signin


class SignUpForm(UserCreationForm):
    # No check that the address is unused: the answer would tell anyone whose address is registered.
    email = forms.EmailField(help_text="To confirm your account and reset your password; never shown to others.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")


class BrakedOldPasswordMixin:
    """The old password of a password-change form is checked behind the sign-in brake: its failures
    count with the sign-in's, per username and per client address, and once the brake holds, it
    refuses without checking (the view answers 429). A session left open must not let anyone
    guess the password that protects the account's other ways in."""

    def __init__(self, *args, request, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        checked = signin.braked_check(request=self.request, username=self.user.get_username(),
                                      check=lambda: self.user if self.user.check_password(old_password) else None)
        if checked is None:
            refusal = signin.refusal_of(self.request)
            if refusal is not None:
                raise forms.ValidationError(refusal.message, code="braked")
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


class SitePasswordChangeForm(BrakedOldPasswordMixin, PasswordChangeForm):
    pass


class AdminSitePasswordChangeForm(BrakedOldPasswordMixin, AdminPasswordChangeForm):
    pass


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, whose mail goes to the outbox (sent by the worker's mail loop)."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        account_services.queue_password_reset_mail(user=context["user"], context={**context, "email": to_email})
