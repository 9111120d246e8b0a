"""Issue 23, item 6: a ban holds the people, not only the team. The members of a team when it is
banned, and those who left it in the 14 days before, can neither create nor join a team of that
year, nor submit (API and browser), nor change entries, while the ban lasts."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from challenge import policy
from challenge.teams.models import Membership, Team
from challenge.teams.services import TeamError, create_team, join_team, leave_team, rename_team
from submissions import entries, services
from submissions.models import Submission
from submissions.moderation import ban_team
from tests.base import PASSWORD, VAL_LABELS, make_team, make_user, predictions_file, run_scoring_worker
from tests.leaderboard_helpers import open_quota, submit

pytestmark = pytest.mark.django_db

GOOD_VAL = predictions_file([[label] for label in VAL_LABELS])


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def _api_upload(client, world):
    return client.post("/api/submissions/", {
        "year": world.year.slug, "task": "classification", "split": "val", "entry": "comeback",
        "file": SimpleUploadedFile("p.txt", GOOD_VAL)}, format="multipart")


def _ban(world, team, days=30):
    return ban_team(user=world.olivia, team=team, banned_until=timezone.now() + timedelta(days=days),
                    reason="shared accounts")


def _left_days_ago(team, user, days):
    """`user` leaves `team`, and the record says it happened `days` ago."""
    leave_team(team=team, user=user)
    from challenge.teams.models import FormerMembership

    FormerMembership.objects.filter(team=team, user=user).update(left_at=timezone.now() - timedelta(days=days))


def test_a_banned_teams_member_who_leaves_can_neither_form_a_new_team_nor_submit_through_the_api(world):
    open_quota(world.val)
    _ban(world, world.alpha)
    leave_team(team=world.alpha, user=world.bob)
    api = _api(world.bob)
    created = api.post("/api/teams/", {"year": world.year.slug, "name": "Bob's Comeback"}, format="json")
    assert created.status_code == 400 and "banned" in created.json()["errors"][0]["message"]
    assert not Team.objects.filter(name="Bob's Comeback").exists()
    # Even in a team made some other way (say by the admin), the person cannot submit.
    make_team(world.year, "Bob's Comeback", world.bob)
    refused = _api_upload(api, world)
    assert refused.status_code == 403 and "shared accounts" in refused.json()["errors"][0]["message"]
    assert not Submission.objects.filter(submitted_by=world.bob).exists()


def test_nor_through_the_browser_nor_join_another_team(client, world):
    _ban(world, world.alpha)
    leave_team(team=world.alpha, user=world.bob)
    with pytest.raises(TeamError, match="banned"):
        join_team(invite_token=_invitation_token(world, world.charlies_team, world.charlie), user=world.bob)
    assert not Membership.objects.filter(user=world.bob).exists()
    make_team(world.year, "Bob's Comeback", world.bob)
    client.login(username="bob", password=PASSWORD)
    url = reverse("submissions:submit", args=[world.year.slug])
    page = client.get(url).content.decode()
    assert "shared accounts" in page and "Upload and score" not in page
    refused = client.post(url, {"split": world.val.pk, "entry_name": "e", "file": SimpleUploadedFile("p.txt", GOOD_VAL)})
    assert refused.status_code == 403 and not Submission.objects.exists()


def _invitation_token(world, team, member) -> str:
    from challenge.teams.services import invite_by_email

    return invite_by_email(team=team, user=member, address="newcomer@example.org").token


def test_the_ban_holds_those_who_left_in_the_14_days_before_it_and_not_earlier(world):
    open_quota(world.val)
    dave, erin = make_user("dave"), make_user("erin")
    for person in (dave, erin):
        Membership.objects.create(team=world.alpha, user=person, year=world.year)
    _left_days_ago(world.alpha, dave, 10)
    _left_days_ago(world.alpha, erin, 20)
    deltas = make_team(world.year, "Delta", dave)
    _ban(world, world.alpha)
    assert "shared accounts" in policy.may_submit(user=dave, team=deltas, split=world.val).reason
    with pytest.raises(services.SubmissionNotAllowed, match="shared accounts"):
        services.create_submission(team=deltas, split=world.val, user=dave, data=GOOD_VAL, entry_name="e")
    with pytest.raises(TeamError, match="banned"):
        rename_team(team=deltas, user=dave, name="Delta Prime")
    # Erin left three weeks before the ban: she is free.
    assert create_team(year=world.year, user=erin, name="Erin's").memberships.get().user == erin
    assert services.create_submission(team=Team.objects.get(name="Erin's"), split=world.val, user=erin,
                                      data=GOOD_VAL, entry_name="e").status == Submission.Status.RECEIVED


def test_someone_who_leaves_after_the_ban_stays_held(world):
    _ban(world, world.alpha)
    leave_team(team=world.alpha, user=world.bob)
    assert policy.ban_holding(user=world.bob, year=world.year) == world.alpha
    with pytest.raises(TeamError, match="banned"):
        create_team(year=world.year, user=world.bob, name="Elsewhere")


def test_entries_are_frozen_while_the_ban_lasts(client, world):
    open_quota(world.val)
    entry = submit(world.val, world.alpha, world.alice, wrong=1, entry="before the ban")
    _ban(world, world.alpha)
    with pytest.raises(entries.EntryChangeRefused, match="banned"):
        entries.edit_entry(submission=entry, user=world.alice, entry_name="renamed", description="new")
    with pytest.raises(entries.EntryChangeRefused, match="banned"):
        entries.set_withdrawn(submission=entry, user=world.bob, withdrawn=True)
    with pytest.raises(services.FinalEntriesRefused, match="banned"):
        services.mark_final_entries(team=world.alpha, split=world.val, submission_ids=[entry.pk], user=world.alice)
    client.login(username="alice", password=PASSWORD)
    client.post(reverse("submissions:edit", args=[entry.pk]), {"entry_name": "renamed", "description": ""})
    client.post(reverse("submissions:withdraw", args=[entry.pk]), {"withdrawn": "yes"})
    client.post(reverse("submissions:mark-final", args=[world.year.slug, world.val.pk]), {"submissions": [entry.pk]})
    entry.refresh_from_db()
    assert (entry.entry_name, entry.withdrawn, entry.is_final) == ("before the ban", False, False)
    page = client.get(reverse("submissions:detail", args=[entry.pk])).content.decode()
    assert "Rename the entry" not in page and "Withdraw from the public board" not in page
    listing = client.get(reverse("submissions:list", args=[world.year.slug])).content.decode()
    assert "Save final entries" not in listing


def test_when_the_ban_ends_the_people_are_free_again(world):
    open_quota(world.val)
    _ban(world, world.alpha, days=2)
    leave_team(team=world.alpha, user=world.bob)
    later = timezone.now() + timedelta(days=3)
    assert policy.ban_holding(user=world.bob, year=world.year, at=later) is None
    assert policy.team_change_refusal(world.year, later, user=world.bob) == ""
    ban_team(user=world.olivia, team=world.alpha, banned_until=None, reason="")  # lifted early
    team = create_team(year=world.year, user=world.bob, name="Bob's")
    submission = services.create_submission(team=team, split=world.val, user=world.bob, data=GOOD_VAL, entry_name="e")
    run_scoring_worker()
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SCORED


def test_a_ban_in_another_year_holds_nobody_here(world):
    from tests.base import make_year

    other = make_year("y2031")
    old_team = make_team(other, "Alpha 2031", world.bob)
    _ban(world, old_team)
    assert policy.ban_holding(user=world.bob, year=world.year) is None
    assert policy.may_submit(user=world.bob, team=world.alpha, split=world.val).allowed


def test_the_organizers_team_page_names_whom_a_ban_holds(client, world):
    dave, erin = make_user("dave"), make_user("erin")
    for person in (dave, erin):
        Membership.objects.create(team=world.alpha, user=person, year=world.year)
    _left_days_ago(world.alpha, dave, 10)
    _left_days_ago(world.alpha, erin, 20)
    _ban(world, world.alpha)
    assert [p.username for p in policy.people_held_by_ban(world.alpha)] == ["alice", "bob", "dave"]
    client.login(username="olivia", password=PASSWORD)
    page = client.get(reverse("organize:teams", args=[world.year.slug])).content.decode()
    assert "The ban holds: alice, bob, dave" in page
