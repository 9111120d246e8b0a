"""Issue 23, item 10: invitations are one per invited address and single-use; the team-wide join
link is gone (an old copy says so); removing a member cancels every open invitation of the team,
so that a removed member cannot come back."""

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from challenge.teams.models import Membership, Team
from challenge.teams.services import TeamError, invite_by_email, join_team, remove_member
from tests.base import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _as(client, username):
    client.login(username=username, password=PASSWORD)
    return client


def test_a_removed_member_cannot_come_back_with_the_teams_old_join_link(client, world):
    # Every team made before per-person invitations had one shared link; bob kept a copy.
    Team.objects.filter(pk=world.alpha.pk).update(invite_token="the-old-shared-link")
    remove_member(team=world.alpha, by=world.alice, member=world.bob)
    join = reverse("teams:join", args=["the-old-shared-link"])
    page = _as(client, "bob").get(join)
    text = page.content.decode()
    assert page.status_code == 404 and "team-wide links no longer work" in text and "Join Alpha</button>" not in text
    assert client.post(join).status_code == 404
    assert not Membership.objects.filter(team=world.alpha, user=world.bob).exists()


def _invitations():
    from challenge.teams.models import Invitation  # made by this change: the first test runs before it too

    return Invitation


def test_an_invitation_is_for_one_address_and_lets_one_person_join(client, world):
    invitation = invite_by_email(team=world.alpha, user=world.alice, address="Dora@Example.org")
    assert invitation.address == "dora@example.org"
    with pytest.raises(TeamError, match="already invited"):
        invite_by_email(team=world.alpha, user=world.bob, address="dora@example.org")
    call_command("send_notifications", stdout=StringIO())
    assert [m.to for m in mail.outbox] == [["dora@example.org"]]
    path = re.search(r"https?://[^/\s]+(/teams/join/\S+)", mail.outbox[0].body).group(1)
    assert path == reverse("teams:join", args=[invitation.token])
    make_user("dora"), make_user("erin")
    assert _as(client, "dora").post(path).status_code == 302
    assert Membership.objects.filter(team=world.alpha, user__username="dora").exists()
    invitation.refresh_from_db()
    assert invitation.used_by.username == "dora" and invitation.used_at is not None
    page = _as(client, "erin").get(path)
    assert page.status_code == 404 and "already used" in page.content.decode()
    assert client.post(path).status_code == 404
    assert not Membership.objects.filter(user__username="erin").exists()
    # Used, the address may be invited again (say, after dora leaves).
    assert invite_by_email(team=world.alpha, user=world.alice, address="dora@example.org").token != invitation.token


def test_removing_a_member_cancels_every_open_invitation_of_the_team(client, world):
    first = invite_by_email(team=world.alpha, user=world.alice, address="x@example.org")
    second = invite_by_email(team=world.alpha, user=world.bob, address="bob.elsewhere@example.org")
    others = invite_by_email(team=world.charlies_team, user=world.charlie, address="y@example.org")
    _as(client, "alice")
    response = client.post(reverse("teams:remove-member", args=[world.alpha.pk, world.bob.pk]), follow=True)
    assert "2 open invitations were cancelled" in response.content.decode()
    assert set(_invitations().objects.open().values_list("pk", flat=True)) == {others.pk}
    make_user("bobs-other-account")
    page = _as(client, "bobs-other-account").get(reverse("teams:join", args=[second.token]))
    assert page.status_code == 404 and "cancelled" in page.content.decode()
    with pytest.raises(TeamError, match="cancelled"):
        join_team(invite_token=first.token, user=make_user("x"))
    again = invite_by_email(team=world.alpha, user=world.alice, address="x@example.org")
    assert join_team(invite_token=again.token, user=world.bob) == world.alpha  # a new one works


def test_the_team_page_shows_a_new_invitations_link_to_its_sender_and_lists_open_ones(client, world):
    _as(client, "alice")
    response = client.post(reverse("teams:invite-email", args=[world.alpha.pk]), {"email": "dora@example.org"})
    invitation = _invitations().objects.get(address="dora@example.org")
    assert response.status_code == 302 and response["Location"].endswith(f"?sent={invitation.pk}")
    page = client.get(response["Location"]).content.decode()
    assert reverse("teams:join", args=[invitation.token]) in page and 'data-copy-from="invite-link"' in page
    assert "dora@example.org" in page
    plain = client.get(reverse("teams:detail", args=[world.alpha.pk])).content.decode()
    assert invitation.token not in plain and "dora@example.org" in plain
    bobs = _as(client, "bob").get(response["Location"]).content.decode()
    assert invitation.token not in bobs and "dora@example.org" in bobs  # only its sender sees its link
    charlies = _as(client, "charlie").get(response["Location"]).content.decode()
    assert invitation.token not in charlies and "dora@example.org" not in charlies


def test_members_cancel_all_open_invitations_at_once(client, world):
    invitation = invite_by_email(team=world.alpha, user=world.alice, address="dora@example.org")
    _as(client, "bob").post(reverse("teams:rotate-invite", args=[world.alpha.pk]))
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None and not _invitations().objects.open().exists()
