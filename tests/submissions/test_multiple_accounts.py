"""Multiple-account signals (issue 24, item 4): the organizer console lists teams whose files are
identical, whose people signed up from one address, that uploaded from one address or were
created in a burst; organizers pool their quota (one shared budget per split, held under the
quota's row locks) or ban them, audited."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from challenge.accounts.models import SignUpAddress
from challenge.accounts.services import confirmation_token
from challenge.audit.models import AuditEntry
from challenge.teams.models import Team
from submissions import quotas
from submissions.models import Submission
from submissions.services import create_submission
from tests.base import PASSWORD, VAL_LABELS, make_team, make_user, predictions_file
from tests.leaderboard_helpers import submit

pytestmark = pytest.mark.django_db

GOOD = predictions_file([[label] for label in VAL_LABELS])


def organizer(world) -> Client:
    client = Client()
    client.force_login(world.olivia)
    return client


def test_sign_ups_and_uploads_from_one_address_are_recorded_and_listed(world):
    for name in ("sock1", "sock2"):
        client = Client(REMOTE_ADDR="203.0.113.7")
        response = client.post(reverse("accounts:signup"), {"username": name, "email": f"{name}@example.org",
                                                            "password1": PASSWORD, "password2": PASSWORD})
        assert response.status_code == 302
        # The link mailed at sign-up confirms the address, which one must before submitting.
        token = confirmation_token(user=get_user_model().objects.get(username=name))
        assert client.get(reverse("accounts:confirm-email", args=[token])).status_code == 200
        client.post(reverse("teams:create", args=[world.year.slug]), {"name": f"Team {name}"})
        upload = SimpleUploadedFile("p.txt", GOOD)
        client.post(reverse("submissions:submit", args=[world.year.slug]),
                    {"split": world.val.pk, "entry_name": "x", "file": upload})
    assert set(SignUpAddress.objects.values_list("address", flat=True)) == {"203.0.113.7"}
    assert set(Submission.objects.values_list("client_address", flat=True)) == {"203.0.113.7"}
    page = organizer(world).get(reverse("organize:signals", args=[world.year.slug])).content.decode()
    assert "Members of 2 teams signed up from 203.0.113.7" in page
    assert "Uploads of 2 teams came from 203.0.113.7" in page
    assert "Team sock1" in page and "Team sock2" in page
    # The signals are for organizers: the shared address never reaches a public page.
    assert "203.0.113.7" not in Client().get(reverse("challenge:year-detail", args=[world.year.slug])).content.decode()


def test_teams_created_in_a_burst_are_listed_with_their_uploads_together(world):
    start = timezone.now() - timedelta(days=1)
    burst = []
    for i in range(3):
        user = make_user(f"burst{i}")
        team = make_team(world.year, f"Burst {i}", user)
        Team.objects.filter(pk=team.pk).update(created_at=start + timedelta(minutes=5 * i))
        burst.append((team, user))
    for team, user in burst:
        create_submission(team=team, split=world.val, user=user, data=GOOD, entry_name="same time")
    page = organizer(world).get(reverse("organize:signals", args=[world.year.slug])).content.decode()
    assert "3 teams created within 10 minutes of each other" in page
    assert "then 3 uploads within 10 minutes of another of these teams" in page


def test_pooled_teams_draw_on_one_budget_per_split_and_it_holds(world):
    client = organizer(world)
    response = client.post(reverse("organize:quota-pool", args=[world.year.slug]),
                           {"teams": [world.alpha.pk, world.charlies_team.pk], "splits": [world.test.pk],
                            "reason": "one lab, two accounts"})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="team.quota_pool", details__reason="one lab, two accounts").exists()
    # The test split allows 2 a week: the two teams together get 2, not 4.
    submit(world.test, world.alpha, world.alice, wrong=1, entry="a")
    submit(world.test, world.charlies_team, world.charlie, wrong=1, entry="c")
    with pytest.raises(quotas.QuotaExceeded, match="shared by 2 teams"):
        create_submission(team=world.alpha, split=world.test, user=world.bob, entry_name="third",
                          data=predictions_file([[1]] * 10))
    with pytest.raises(quotas.QuotaExceeded):
        create_submission(team=world.charlies_team, split=world.test, user=world.charlie, entry_name="fourth",
                          data=predictions_file([[1]] * 10))
    # Other splits keep each team's own budget.
    assert quotas.quota_for(team=world.alpha, user=world.alice, split=world.val).pooled_teams == 1
    page = client.get(reverse("organize:signals", args=[world.year.slug])).content.decode()
    assert "one lab, two accounts" in page
    member = world.alpha.quota_pools.get(split=world.test)
    client.post(reverse("organize:quota-unpool", args=[world.year.slug, member.pk]))
    assert quotas.quota_for(team=world.alpha, user=world.bob, split=world.test).pooled_teams == 1
    assert AuditEntry.objects.filter(action="team.quota_unpool").exists()


def test_pooling_merges_pools_and_needs_two_teams(world):
    dana = make_user("dana")
    delta = make_team(world.year, "Delta", dana)
    quotas.pool_quota(user=world.olivia, teams=[world.alpha, world.charlies_team], splits=[world.val], reason="r1")
    quotas.pool_quota(user=world.olivia, teams=[world.charlies_team, delta], splits=[world.val], reason="r2")
    assert quotas.pooled_team_ids(team=world.alpha, split=world.val) == sorted(
        [world.alpha.pk, world.charlies_team.pk, delta.pk])
    with pytest.raises(ValueError):
        quotas.pool_quota(user=world.olivia, teams=[world.alpha], splits=[world.val], reason="alone")


def test_an_organizer_bans_the_teams_of_a_signal_at_once(world):
    until = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    response = organizer(world).post(reverse("organize:teams-ban", args=[world.year.slug]),
                                     {"teams": [world.alpha.pk, world.charlies_team.pk], "banned_until": until,
                                      "ban_reason": "one group, several accounts"})
    assert response.status_code == 302
    assert all(team.is_banned() for team in Team.objects.filter(pk__in=[world.alpha.pk, world.charlies_team.pk]))
    assert AuditEntry.objects.filter(action="team.ban").count() == 2
