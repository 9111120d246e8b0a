"""Moderation: disqualify or mark entries, ban teams, adjust quotas; audited, and the boards follow."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from challenge.audit.models import AuditEntry
from submissions.leaderboards.models import LeaderboardEntry
from submissions.models import QuotaAdjustment
from submissions.services import create_submission, score_submission
from tests.base import PASSWORD, VAL_LABELS, predictions_file

PERFECT = predictions_file([[label] for label in VAL_LABELS])


@pytest.fixture
def entry(world):
    submission = create_submission(team=world.alpha, split=world.val, user=world.alice, data=PERFECT,
                                   entry_name="ResNet-ish")
    return score_submission(submission_id=submission.pk)


@pytest.fixture
def organizer(client, world):
    client.login(username="olivia", password=PASSWORD)
    return client


def leaderboard(client, world):
    return client.get(reverse("leaderboards:leaderboard", args=[world.year.slug, world.task.slug, "val"]))


@pytest.mark.django_db
def test_it_disqualifies_an_entry_with_a_public_reason(organizer, client, world, entry):
    url = reverse("organize:entry-moderate", args=[world.year.slug, entry.pk])
    refused = organizer.post(url, {"disqualified": "on", "disqualified_reason": ""}, follow=True)
    assert b"needs a public reason" in refused.content
    entry.refresh_from_db()
    assert not entry.disqualified

    organizer.post(url, {"disqualified": "on", "disqualified_reason": "Trained on the test images"})
    entry.refresh_from_db()
    assert entry.disqualified and entry.disqualified_reason == "Trained on the test images"
    audit = AuditEntry.objects.get(action="entry.moderate")
    assert audit.actor == world.olivia and audit.details["disqualified"] is True
    client.logout()
    assert b"Trained on the test images" in leaderboard(client, world).content


@pytest.mark.django_db
def test_it_marks_an_entry_not_directly_comparable(organizer, world, entry):
    url = reverse("organize:entry-moderate", args=[world.year.slug, entry.pk])
    organizer.post(url, {"not_comparable": "on", "not_comparable_reason": "Used 10x the training data"})
    entry.refresh_from_db()
    assert entry.not_comparable and not entry.disqualified
    assert LeaderboardEntry.objects.filter(submission=entry).exists()
    listing = organizer.get(reverse("organize:entries", args=[world.year.slug]))
    assert b"Used 10x the training data" in listing.content and b"ResNet-ish" in listing.content


@pytest.mark.django_db
def test_it_never_moderates_another_years_entry_through_this_year(organizer, world, entry):
    from tests.base import make_year

    make_year("y2099")
    url = reverse("organize:entry-moderate", args=["y2099", entry.pk])
    assert organizer.post(url, {"disqualified": "on", "disqualified_reason": "x"}).status_code == 404


@pytest.mark.django_db
def test_it_bans_a_team_for_a_period_with_a_public_reason(organizer, world):
    until = timezone.now() + timedelta(days=365)
    url = reverse("organize:team-ban", args=[world.year.slug, world.charlies_team.pk])
    refused = organizer.post(url, {"banned_until": until.strftime("%Y-%m-%dT%H:%M"), "reason": ""}, follow=True)
    assert b"needs a public reason" in refused.content
    organizer.post(url, {"banned_until": until.strftime("%Y-%m-%dT%H:%M"),
                         "reason": "Used some 30 accounts to exceed the test-server limit"})
    world.charlies_team.refresh_from_db()
    assert world.charlies_team.is_banned()
    assert world.charlies_team.ban_reason.startswith("Used some 30 accounts")
    assert AuditEntry.objects.filter(action="team.ban", target="Charlie's Angles").exists()

    organizer.post(url, {"banned_until": "", "reason": ""})
    world.charlies_team.refresh_from_db()
    assert not world.charlies_team.is_banned() and world.charlies_team.ban_reason == ""
    assert AuditEntry.objects.filter(action="team.unban").exists()


@pytest.mark.django_db
def test_it_raises_and_lowers_one_teams_quota(organizer, world):
    url = reverse("organize:team-quota", args=[world.year.slug, world.alpha.pk])
    organizer.post(url, {"split": world.test.pk, "extra_per_window": "3", "extra_total": "5", "reason": "Outage"})
    adjustment = QuotaAdjustment.objects.get(team=world.alpha, split=world.test)
    assert (adjustment.extra_per_window, adjustment.extra_total, adjustment.created_by) == (3, 5, world.olivia)
    organizer.post(url, {"split": world.test.pk, "extra_per_window": "-1", "extra_total": "0", "reason": "Abuse"})
    adjustment.refresh_from_db()
    assert adjustment.extra_per_window == -1 and QuotaAdjustment.objects.count() == 1
    assert AuditEntry.objects.filter(action="team.quota").count() == 2
    other_year_split = organizer.post(url, {"split": 999999, "extra_per_window": "1", "extra_total": "0"})
    assert other_year_split.status_code == 302 and QuotaAdjustment.objects.count() == 1
    page = organizer.get(reverse("organize:teams", args=[world.year.slug]))
    assert b"-1 per window" in page.content
