"""Team pages: create, the public team page (with the members' invitations), join by invitation,
leave, rename, remove a member, my teams."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from challenge import policy
from challenge.competition import selectors as competition_selectors
from challenge.teams import selectors as team_selectors
from challenge.teams import services as team_services
from challenge.teams.models import Team
from submissions.leaderboards.selectors import public_entries_of_team


class InviteForm(forms.Form):
    email = forms.EmailField(label="Their e-mail address")


class TeamForm(forms.Form):
    name = forms.CharField(max_length=100, label="Team name")
    affiliation = forms.CharField(max_length=200, required=False, help_text="University, lab or company.")


class TeamNameForm(forms.Form):
    name = forms.CharField(max_length=100, label="New team name")


def _team(pk: int) -> Team:
    return get_object_or_404(Team.objects.select_related("year"), pk=pk, year__status="published")


def _own_team(pk: int, user) -> Team:
    team = _team(pk)
    if not team_selectors.is_member(team=team, user=user):
        raise Http404("No such team.")
    return team


@login_required
def create(request, slug):
    year = competition_selectors.year_for_viewer(slug=slug, user=request.user)
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


@never_cache  # members see the team's invitations, and their sender a new one's link
def detail(request, pk):
    team = _team(pk)
    is_member = team_selectors.is_member(team=team, user=request.user)
    members = team_services.team_members(team=team)
    entries = public_entries_of_team(team=team, user=request.user)
    if not members and not entries:
        raise Http404("Nobody is in this team any more.")  # an empty page helps no one
    captain = team_selectors.captain_of(team=team)
    new_invitation = team_selectors.new_invitation_of(team=team, user=request.user, pk=request.GET.get("sent"))
    invite_url = (request.build_absolute_uri(reverse("teams:join", args=[new_invitation.token]))
                  if is_member and new_invitation else None)
    context = {
        "team": team, "members": members, "captain": captain, "entries": entries, "is_member": is_member,
        "is_captain": is_member and captain == request.user,
        "new_invitation": new_invitation if invite_url else None, "invite_url": invite_url,
        "open_invitations": team_selectors.open_invitations(team=team) if is_member else [],
        "rename_form": TeamNameForm(initial={"name": team.name}),
    }
    return render(request, "teams/detail.html", context)


def join(request, token):
    """The invitation: who invites, and Join (signed in), or sign up / log in that come back here."""
    invitation = team_selectors.invitation_by_token(token=token)
    problem = team_selectors.invitation_problem(invitation=invitation, token=token)
    if problem:
        return render(request, "teams/join.html", {"error": problem}, status=404)
    team = invitation.team
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            team_services.join_team(invite_token=token, user=request.user)
        except team_services.TeamError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"You joined {team.name}.")
            return redirect("teams:detail", pk=team.pk)
    context = {"team": team, "invitation": invitation,
               "membership": team_selectors.membership_in_year(user=request.user, year=team.year),
               "closed": policy.team_change_refusal(team.year),
               "refusal": policy.team_change_refusal(team.year, user=request.user), "here": request.get_full_path()}
    return render(request, "teams/join.html", context)


@login_required
def leave(request, pk):
    """GET asks to confirm; POST leaves."""
    team = _own_team(pk, request.user)
    if request.method != "POST":
        return render(request, "teams/confirm.html", {"team": team, "action": "leave"})
    team_services.leave_team(team=team, user=request.user)
    messages.success(request, f"You left {team.name}. Your submissions still count against your own quota.")
    return redirect("challenge:year-detail", slug=team.year.slug)


@login_required
def remove_member(request, pk, user_pk):
    """The captain removes a member: GET asks to confirm, POST removes."""
    team = _own_team(pk, request.user)
    member = get_object_or_404(team_selectors.members_of(team=team), pk=user_pk)
    if request.method != "POST":
        return render(request, "teams/confirm.html", {"team": team, "action": "remove", "member": member,
                                                      "member_name": team_services.display_name(member)})
    try:
        cancelled = team_services.remove_member(team=team, by=request.user, member=member)
    except team_services.TeamError as exc:
        messages.error(request, str(exc))
    else:
        said = f"{team_services.display_name(member)} is no longer in {team.name}."
        if cancelled:
            said += (f" {cancelled} open invitation{' was' if cancelled == 1 else 's were'} cancelled, as their "
                     "links may have been seen: invite again whoever should still join.")
        messages.success(request, said)
    return redirect("teams:detail", pk=team.pk)


@login_required
@require_POST
def rename(request, pk):
    team = _own_team(pk, request.user)
    form = TeamNameForm(request.POST)
    try:
        if not form.is_valid():
            raise team_services.TeamError("A team needs a name of at most 100 characters.")
        team_services.rename_team(team=team, user=request.user, name=form.cleaned_data["name"])
    except team_services.TeamError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"The team is now called {form.cleaned_data['name'].strip()}.")
    return redirect("teams:detail", pk=team.pk)


@login_required
@require_POST
def rotate_invite(request, pk):
    """Cancel all of the team's open invitations (this address once replaced the team-wide link)."""
    team = _own_team(pk, request.user)
    cancelled = team_services.cancel_open_invitations(team=team, user=request.user)
    messages.success(request, f"{cancelled} open invitation{' was' if cancelled == 1 else 's were'} cancelled; "
                              "their links no longer work.")
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
        invitation = team_services.invite_by_email(team=team, user=request.user, address=form.cleaned_data["email"])
    except team_services.TeamError as exc:
        messages.error(request, str(exc))
        return redirect("teams:detail", pk=team.pk)
    messages.success(request, f"The invitation goes to {invitation.address} within a minute.")
    return redirect(f"{reverse('teams:detail', args=[team.pk])}?sent={invitation.pk}")


@login_required
def mine(request):
    teams = team_selectors.teams_of(user=request.user)
    return render(request, "teams/mine.html", {"teams": teams})
