"""Sign-up, the profile page with its API token, and Django's password views with what follows a
new password; Django's other auth views do the rest."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.core import signing
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from challenge.accounts import services as account_services
from challenge.competition import selectors as competition_selectors
from challenge.notices import mail
from challenge.notices.models import EmailKind
from challenge.teams import selectors as team_selectors
from config.network import client_address


class SignUpForm(UserCreationForm):
    # No check that the address is unused: the answer would tell anyone whose address is registered.
    email = forms.EmailField(help_text="For password resets only; never shown to others.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")


def signup(request):
    if request.user.is_authenticated:
        return _back(request, default="accounts:profile")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        account_services.record_sign_up(user=user, address=client_address(request))
        account_services.tell_owners_of_the_address(
            new_user=user, sign_in_url=request.build_absolute_uri(reverse("login")),
            reset_url=request.build_absolute_uri(reverse("password_reset")))
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(request, f"Welcome, {user.get_username()}.")
        return _back(request, default="challenge:home")
    return render(request, "accounts/signup.html", {"form": form})


def _back(request, *, default: str):
    """Back to ?next= when it is an address on this site, else to the named page. The address
    is used as it is: redirect() would first try it as a view name ("2147483648" fails there)."""
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return redirect(default)


@never_cache  # it shows the API token
@login_required
def profile(request):
    token = Token.objects.filter(user=request.user).first()
    teams = team_selectors.teams_of(user=request.user)
    context = {"token": token, "teams": teams, "example": competition_selectors.client_example(teams=teams),
               "token_created": request.session.pop("token_created", False),
               "email_kinds": mail.email_preferences(address=request.user.email) if request.user.email else []}
    return render(request, "accounts/profile.html", context)


@login_required
@require_POST
def email_preference(request):
    if not request.user.email or request.POST.get("kind") not in EmailKind.values:
        messages.error(request, "Nothing to change: add an e-mail address or choose a kind of e-mail.")
        return redirect("accounts:profile")
    receive = request.POST.get("receive") == "yes"
    mail.set_email_preference(address=request.user.email, kind=request.POST["kind"], receive=receive)
    label = EmailKind(request.POST["kind"]).label
    messages.success(request, f"{'You will get' if receive else 'No more'} e-mails about: {label.lower()}.")
    return redirect("accounts:profile")


# The signed link is the credential: it works without a session, so a mail program can POST to
# it in one click (RFC 8058) and a forged request could only stop the owner's own mail.
@csrf_exempt
def email_opt_out(request, token):
    try:
        address, kind = mail.read_opt_out_token(token)
    except signing.BadSignature:
        return render(request, "accounts/email_opt_out.html", {"invalid": True}, status=400)
    kinds = EmailKind.values if request.POST.get("scope") == "all" else [kind]
    if request.method == "POST":
        for each in kinds:
            mail.set_email_preference(address=address, kind=each, receive=False)
    context = {"address": _masked(address), "kind_label": EmailKind(kind).label, "done": request.method == "POST",
               "all": len(kinds) > 1}
    return render(request, "accounts/email_opt_out.html", context)


def _masked(address: str) -> str:
    # The page may be seen by whoever holds a forwarded mail: enough to recognise the address.
    name, _, domain = address.partition("@")
    return f"{name[:2]}{'•' * max(len(name) - 2, 1)}@{domain}"


@never_cache
@login_required
@require_POST
def rotate_token(request):
    # Deleting first makes the old key stop working at once.
    Token.objects.filter(user=request.user).delete()
    Token.objects.create(user=request.user)
    messages.success(request, "A new API token was made; the old one no longer works.")
    request.session["token_created"] = True  # the profile then shows the new token first, in view
    return redirect("accounts:profile")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's, and then the account's follow-up (a new API token) in one service."""

    def form_valid(self, form):
        response = super().form_valid(form)
        account_services.password_changed(user=form.user)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's, and then the same follow-up as a password change."""

    def form_valid(self, form):
        response = super().form_valid(form)
        account_services.password_changed(user=form.user)
        return response
