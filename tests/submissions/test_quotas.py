"""Quotas: per rolling window and in total, per team and per person, with adjustments."""

from datetime import timedelta

import pytest
from django.utils import timezone

from challenge.teams.models import Membership
from challenge.teams.services import invite_by_email, join_team, leave_team
from submissions import quotas, services
from submissions.models import QuotaAdjustment, Submission
from tests.base import TEST_LABELS, VAL_LABELS, make_team, make_user, predictions_file

pytestmark = pytest.mark.django_db

GOOD_TEST = predictions_file([[label] for label in TEST_LABELS])
GOOD_VAL = predictions_file([[label] for label in VAL_LABELS])


def _submit(world, user, team=None, split=None, data=GOOD_TEST):
    return services.create_submission(team=team or world.alpha, split=split or world.test, user=user,
                                      data=data, entry_name="e")


def test_it_allows_two_per_week_on_the_test_split_then_refuses_with_the_next_slot(world):
    first = _submit(world, world.alice)
    _submit(world, world.bob)
    with pytest.raises(quotas.QuotaExceeded) as refused:
        _submit(world, world.alice)
    assert refused.value.quota.next_slot_at == first.created_at + timedelta(days=7)
    assert Submission.objects.count() == 2


def test_it_opens_a_slot_when_the_oldest_leaves_the_window(world):
    old = _submit(world, world.alice)
    _submit(world, world.bob)
    Submission.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=7, seconds=1))
    quota = quotas.quota_for(team=world.alpha, user=world.alice, split=world.test)
    assert quota.remaining == 1 and quota.next_slot_at is None
    _submit(world, world.alice)


def test_a_refused_file_costs_nothing(world):
    with pytest.raises(services.SubmissionRefused):
        _submit(world, world.alice, data=b"cat\n" * 10)
    assert quotas.quota_for(team=world.alpha, user=world.alice, split=world.test).remaining == 2


def test_a_refunded_submission_does_not_count(world):
    first = _submit(world, world.alice)
    _submit(world, world.alice)
    Submission.objects.filter(pk=first.pk).update(status=Submission.Status.FAILED, refunded=True)
    assert quotas.quota_for(team=world.alpha, user=world.alice, split=world.test).remaining == 1
    _submit(world, world.alice)


def test_the_total_limit_holds_even_when_the_window_is_free(world):
    split = world.test
    split.quota_total = 3
    split.save()
    for _ in range(3):
        created = _submit(world, world.alice)
        Submission.objects.filter(pk=created.pk).update(created_at=timezone.now() - timedelta(days=30))
    with pytest.raises(quotas.QuotaExceeded) as refused:
        _submit(world, world.alice)
    assert refused.value.quota.next_slot_at is None and "3 in total" in str(refused.value)


def test_an_adjustment_raises_one_teams_quota(world):
    QuotaAdjustment.objects.create(team=world.alpha, split=world.test, extra_per_window=1)
    for _ in range(3):
        _submit(world, world.alice)
    with pytest.raises(quotas.QuotaExceeded):
        _submit(world, world.alice)
    assert quotas.quota_for(team=world.charlies_team, user=world.charlie, split=world.test).per_window == 2


def test_leaving_a_team_does_not_reset_a_persons_count(world):
    _submit(world, world.alice)
    _submit(world, world.alice)
    leave_team(team=world.alpha, user=world.alice)
    captain = make_user("fresh-captain")
    fresh = make_team(world.year, "Fresh start", captain)
    join_team(invite_token=invite_by_email(team=fresh, user=captain, address="alice@example.org").token,
              user=world.alice)
    with pytest.raises(quotas.QuotaExceeded):
        _submit(world, world.alice, team=fresh)
    # The new team as such has room: a teammate who never submitted can still use it.
    newcomer = make_user("newcomer")
    Membership.objects.create(team=fresh, user=newcomer, year=world.year)
    _submit(world, newcomer, team=fresh)


def test_the_team_count_includes_members_who_left(world):
    _submit(world, world.bob)
    _submit(world, world.bob)
    leave_team(team=world.alpha, user=world.bob)
    with pytest.raises(quotas.QuotaExceeded):
        _submit(world, world.alice)


def test_quotas_are_per_split(world):
    _submit(world, world.alice)
    _submit(world, world.alice)
    on_val = _submit(world, world.alice, split=world.val, data=GOOD_VAL)  # test's quota is used up, val's is not
    assert on_val.split == world.val
    assert quotas.quota_for(team=world.alpha, user=world.alice, split=world.test).remaining == 0
    assert quotas.quota_for(team=world.alpha, user=world.alice, split=world.val).remaining == world.val.quota_per_window - 1


def test_a_banned_team_cannot_submit(world):
    world.alpha.banned_until = timezone.now() + timedelta(days=1)
    world.alpha.ban_reason = "sharing accounts"
    world.alpha.save()
    with pytest.raises(services.SubmissionNotAllowed, match="sharing accounts"):
        _submit(world, world.alice)


def test_a_closed_year_takes_no_submissions(world):
    world.year.deadline = timezone.now() - timedelta(minutes=1)
    world.year.save()
    with pytest.raises(services.SubmissionNotAllowed, match="not accepting"):
        _submit(world, world.alice)


def test_someone_outside_the_team_cannot_submit_for_it(world):
    with pytest.raises(services.SubmissionNotAllowed):
        _submit(world, world.charlie, team=world.alpha)


def test_the_demo_years_test_split_allows_two_per_week(db):
    from django.core.management import call_command

    from challenge.competition.models import Split

    call_command("load_demo", verbosity=0)
    for task in ("classification", "detection"):
        test = Split.objects.get(task__year__slug="demo", task__slug=task, name="test")
        assert (test.quota_per_window, test.quota_window_days) == (2, 7)
