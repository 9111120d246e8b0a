"""Team pages: create, the public team page, join by invitation link, leave, my teams."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from challenge import selectors, team_selectors, team_services
from challenge.models import Team
from submissions.leaderboards.selectors import public_entries_of_team


class InviteForm(forms.Form):
    email = forms.EmailField(label="Their e-mail address")


class TeamForm(forms.Form):
    name = forms.CharField(max_length=100, label="Team name")
    affiliation = forms.CharField(max_length=200, required=False, help_text="University, lab or company.")


def _team(pk: int) -> Team:
    return get_object_or_404(Team.objects.select_related("year"), pk=pk, year__status="published")


def _own_team(pk: int, user) -> Team:
    team = _team(pk)
    if not team_selectors.is_member(team=team, user=user):
        raise Http404("No such team.")
    return team


@login_required
def create(request, slug):
    year = selectors.year_for_viewer(slug=slug, user=request.user)
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = team_services.create_team(year=year, user=request.user, **form.cleaned_data)
        except team_services.TeamError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Team {team.name} created. Invite teammates with the link below.")
            return redirect("teams:detail", pk=team.pk)
    return render(request, "teams/create.html", {"year": year, "form": form})


@never_cache  # members see the invitation link
def detail(request, pk):
    team = _team(pk)
    is_member = team_selectors.is_member(team=team, user=request.user)
    invite_path = reverse("teams:join", args=[team.invite_token])
    context = {
        "team": team,
        "members": [team_services.display_name(u) for u in team_services.team_members(team=team)],
        "entries": public_entries_of_team(team=team, user=request.user),
        "is_member": is_member,
        "invite_url": request.build_absolute_uri(invite_path) if is_member else None,
    }
    return render(request, "teams/detail.html", context)


@login_required
def join(request, token):
    team = team_selectors.team_by_invite(token=token)
    error = None if team else team_services.INVALID_INVITE
    if team and request.method == "POST":
        try:
            team_services.join_team(invite_token=token, user=request.user)
        except team_services.TeamError as exc:
            error = str(exc)
        else:
            messages.success(request, f"You joined {team.name}.")
            return redirect("teams:detail", pk=team.pk)
    return render(request, "teams/join.html", {"team": team, "error": error}, status=404 if not team else 200)


@login_required
@require_POST
def leave(request, pk):
    team = _own_team(pk, request.user)
    team_services.leave_team(team=team, user=request.user)
    messages.success(request, f"You left {team.name}. Your submissions still count against your own quota.")
    return redirect("challenge:year-detail", slug=team.year.slug)


@login_required
@require_POST
def rotate_invite(request, pk):
    team = _own_team(pk, request.user)
    team_services.rotate_invite_token(team=team, user=request.user)
    messages.success(request, "A new invitation link was made; the old one no longer works.")
    return redirect("teams:detail", pk=team.pk)


@login_required
@require_POST
def invite_by_email(request, pk):
    team = _own_team(pk, request.user)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a valid e-mail address to invite.")
        return redirect("teams:detail", pk=team.pk)
    try:
        team_services.invite_by_email(team=team, user=request.user, address=form.cleaned_data["email"])
    except team_services.TeamError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"The invitation goes to {form.cleaned_data['email']} within a minute.")
    return redirect("teams:detail", pk=team.pk)


@login_required
def mine(request):
    teams = team_selectors.teams_of(user=request.user)
    return render(request, "teams/mine.html", {"teams": teams})
