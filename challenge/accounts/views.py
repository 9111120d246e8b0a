"""Sign-up and the confirmation of its address, the profile page with its API token, and Django's
password views behind the brakes and with what follows a new password; Django's other auth views
do the rest."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from challenge import policy
from challenge.accounts import services as account_services
from challenge.accounts import signin, tokens
from challenge.accounts.forms import QueuedPasswordResetForm, SignUpForm, SitePasswordChangeForm
from challenge.competition import selectors as competition_selectors
from challenge.notices import mail
from challenge.notices.models import OPTIONAL_KINDS, EmailKind
from challenge.teams import selectors as team_selectors
from config.network import client_address


def _braked(request, template: str, context: dict, braked: account_services.Braked):
    messages.error(request, braked.message)
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(braked.retry_after)
    return response


def signup(request):
    if request.user.is_authenticated:
        return _back(request, default="accounts:profile")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        braked = account_services.signup_brake(client=client_address(request), email=form.cleaned_data["email"])
        if braked is not None:
            return _braked(request, "accounts/signup.html", {"form": form}, braked)
        with transaction.atomic():
            user = form.save()
            account_services.record_sign_up(user=user, address=client_address(request))
            account_services.signed_up(user=user)
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        # The same words whether or not the address was registered already.
        messages.success(request, f"Welcome, {user.get_username()}. We sent you a link to confirm your e-mail "
                                  "address: open it before you submit.")
        return _back(request, default="challenge:home")
    return render(request, "accounts/signup.html", {"form": form})


def confirm_email(request, token):
    """The link mailed at sign-up: it confirms the address, signed in or not (the link is the credential)."""
    try:
        user = account_services.confirm_email(token=token)
    except account_services.ConfirmationRefused as exc:
        return render(request, "accounts/confirm_email.html", {"error": str(exc)}, status=400)
    return render(request, "accounts/confirm_email.html", {"confirmed_user": user})


@login_required
@require_POST
def confirm_email_resend(request):
    braked = account_services.resend_confirmation(user=request.user, client=client_address(request))
    if braked is not None:
        messages.error(request, braked.message)
    elif policy.email_confirmed(request.user):
        messages.success(request, "Your e-mail address is confirmed already.")
    else:
        messages.success(request, f"A new link goes to {request.user.email} within a minute.")
    return _back(request, default="accounts:profile")


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
    token = Token.objects.select_related("user").filter(user=request.user).first()
    teams = team_selectors.teams_of(user=request.user)
    context = {"token": token, "token_works": token is not None and tokens.is_current(token),
               "email_confirmed": policy.email_confirmed(request.user),
               "teams": teams, "example": competition_selectors.client_example(teams=teams),
               "token_created": request.session.pop("token_created", False),
               "email_kinds": mail.email_preferences(address=request.user.email) if request.user.email else []}
    return render(request, "accounts/profile.html", context)


@login_required
@require_POST
def email_preference(request):
    if not request.user.email or request.POST.get("kind") not in OPTIONAL_KINDS:
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
    kinds = OPTIONAL_KINDS if request.POST.get("scope") == "all" else [kind]
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
    account_services.replace_api_token(user=request.user)
    messages.success(request, "A new API token was made; the old one no longer works.")
    request.session["token_created"] = True  # the profile then shows the new token first, in view
    return redirect("accounts:profile")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's, with the old password behind the sign-in brake (429 once it holds), and then the
    account's follow-up (a new API token) in one service. The admin's own form uses it too
    (challenge.accounts.admin_site)."""

    form_class = SitePasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form):
        refusal = signin.refusal_of(self.request)
        response = super().form_invalid(form)
        if refusal is not None:
            response.status_code = 429
            response["Retry-After"] = str(refusal.retry_after)
        return response

    def form_valid(self, form):
        response = super().form_valid(form)
        account_services.password_changed(user=form.user)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's, braked per client address and per e-mail, its mail queued for the mail loop."""

    form_class = QueuedPasswordResetForm

    def form_valid(self, form):
        braked = account_services.password_reset_brake(client=client_address(self.request),
                                                       email=form.cleaned_data["email"])
        if braked is not None:
            return _braked(self.request, self.template_name, self.get_context_data(form=form), braked)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's, and then the same follow-up as a password change."""

    def form_valid(self, form):
        response = super().form_valid(form)
        account_services.password_changed(user=form.user)
        return response
