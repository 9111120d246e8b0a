"""Teams per year: create, invite by link, join, leave; the public team page."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from challenge.teams.models import Membership, Team
from challenge.teams.services import (TeamError, cancel_open_invitations, create_team, invite_by_email, join_team,
                                      leave_team)
from submissions import services
from tests.base import PASSWORD, TEST_LABELS, VAL_LABELS, make_user, make_year, predictions_file

pytestmark = pytest.mark.django_db


def test_it_creates_a_team_with_its_creator_as_member(client, world):
    dana = make_user("dana")
    client.login(username="dana", password=PASSWORD)
    response = client.post(reverse("teams:create", args=[world.year.slug]), {"name": "Delta", "affiliation": "D Lab"})
    team = Team.objects.get(name="Delta")
    assert response["Location"] == reverse("teams:detail", args=[team.pk])
    assert list(team.memberships.values_list("user", flat=True)) == [dana.pk]


def test_a_name_is_unique_within_a_year_only(world):
    with pytest.raises(TeamError, match="already exists"):
        create_team(year=world.year, user=make_user("dana"), name="alpha")
    other_year = make_year("y2031")
    assert create_team(year=other_year, user=world.alice, name="Alpha").year == other_year


def test_a_person_is_in_one_team_per_year(world):
    with pytest.raises(TeamError, match="already in a team"):
        create_team(year=world.year, user=world.alice, name="Second")
    with pytest.raises(TeamError):
        join_team(invite_token=invite_by_email(team=world.charlies_team, user=world.charlie,
                                               address="alice@example.org").token, user=world.alice)
    with pytest.raises(IntegrityError):  # and the database says so too
        Membership.objects.create(team=world.charlies_team, user=world.alice, year=world.year)


def test_it_joins_by_invitation_link_and_the_old_link_dies_when_rotated(client, world):
    dana = make_user("dana")
    client.login(username="dana", password=PASSWORD)
    old = invite_by_email(team=world.alpha, user=world.alice, address="dana@example.org").token
    cancel_open_invitations(team=world.alpha, user=world.alice)
    assert client.post(reverse("teams:join", args=[old])).status_code == 404
    new = invite_by_email(team=world.alpha, user=world.alice, address="dana@example.org").token
    response = client.post(reverse("teams:join", args=[new]))
    assert response.status_code == 302
    assert Membership.objects.filter(team=world.alpha, user=dana).exists()


def test_only_members_rotate_or_see_the_link(client, world):
    invitation = invite_by_email(team=world.alpha, user=world.bob, address="dana@example.org")
    shown = f"{reverse('teams:detail', args=[world.alpha.pk])}?sent={invitation.pk}"  # as after sending it
    client.login(username="charlie", password=PASSWORD)
    assert client.post(reverse("teams:rotate-invite", args=[world.alpha.pk])).status_code == 404
    page = client.get(shown).content.decode()
    assert invitation.token not in page
    client.login(username="bob", password=PASSWORD)
    assert invitation.token in client.get(shown).content.decode()


def test_it_leaves_a_team(client, world):
    client.login(username="bob", password=PASSWORD)
    response = client.post(reverse("teams:leave", args=[world.alpha.pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(team=world.alpha, user=world.bob).exists()
    with pytest.raises(TeamError):
        leave_team(team=world.alpha, user=world.bob)


def test_nobody_joins_after_the_deadline(world):
    invitation = invite_by_email(team=world.alpha, user=world.alice, address="late@example.org")
    world.year.deadline = timezone.now() - timedelta(hours=1)
    world.year.save()
    with pytest.raises(TeamError, match="deadline"):
        join_team(invite_token=invitation.token, user=make_user("late"))


def test_the_public_team_page_shows_members_and_published_entries_only(client, world):
    val = services.create_submission(team=world.alpha, split=world.val, user=world.alice, entry_name="public-val",
                                     data=predictions_file([[label] for label in VAL_LABELS]))
    test = services.create_submission(team=world.alpha, split=world.test, user=world.alice, entry_name="secret-test",
                                      data=predictions_file([[label] for label in TEST_LABELS]))
    services.score_submission(submission_id=val.pk)
    services.score_submission(submission_id=test.pk)
    page = client.get(reverse("teams:detail", args=[world.alpha.pk])).content.decode()
    assert "Alpha University" in page and "alice" in page and "bob" in page
    assert "public-val" in page and "0.000%" in page
    assert "secret-test" not in page


def test_the_year_page_offers_create_or_submit(client, world):
    make_user("dana")
    client.login(username="dana", password=PASSWORD)
    page = client.get(reverse("challenge:year-detail", args=[world.year.slug])).content.decode()
    assert reverse("teams:create", args=[world.year.slug]) in page
    client.login(username="alice", password=PASSWORD)
    page = client.get(reverse("challenge:year-detail", args=[world.year.slug])).content.decode()
    assert reverse("submissions:submit", args=[world.year.slug]) in page


def test_my_teams_lists_the_persons_teams(client, world):
    client.login(username="alice", password=PASSWORD)
    page = client.get(reverse("teams:mine")).content.decode()
    assert "Alpha" in page and "Charlie" not in page


def test_a_banned_team_takes_no_new_members(world):
    invitation = invite_by_email(team=world.charlies_team, user=world.charlie, address="dana@example.org")
    world.charlies_team.banned_until = timezone.now() + timedelta(days=30)
    world.charlies_team.save()
    with pytest.raises(TeamError, match="banned"):
        join_team(invite_token=invitation.token, user=make_user("dana"))


def test_draft_and_historical_years_take_no_teams(world):
    from challenge.competition.models import ChallengeYear

    dana = make_user("dana")
    for year in (make_year("draft", status=ChallengeYear.Status.DRAFT), make_year("old", is_historical=True)):
        with pytest.raises(TeamError, match="does not take teams"):
            create_team(year=year, user=dana, name="Delta")


def test_the_team_page_reads_scores_in_a_fixed_number_of_queries(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("teams:detail", args=[world.alpha.pk])

    def add_scored_entry(name):
        submission = services.create_submission(team=world.alpha, split=world.val, user=world.alice,
                                                entry_name=name,
                                                data=predictions_file([[label] for label in VAL_LABELS]))
        services.score_submission(submission_id=submission.pk)

    def queries_of_page():
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return len(queries)

    add_scored_entry("val-0")
    one_entry = queries_of_page()
    add_scored_entry("val-1")
    add_scored_entry("val-2")
    assert queries_of_page() == one_entry
    assert client.get(url).content.decode().count("val-") == 3
