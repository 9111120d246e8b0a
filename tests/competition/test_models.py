from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from challenge import policy
from challenge.competition.models import ChallengeYear, Synset
from challenge.competition.services import import_ilsvrc2012
from challenge.teams.models import Membership, Team
from tests.base import make_team, make_user, make_year

pytestmark = pytest.mark.django_db


def test_it_imports_the_ilsvrc2012_class_set_and_hierarchy():
    class_set = import_ilsvrc2012()
    assert class_set.synsets.count() == 1860
    assert class_set.synsets.leaves().count() == 1000
    kit_fox = class_set.synsets.get(ilsvrc_id=1)
    assert (kit_fox.wnid, kit_fox.short_name) == ("n02119789", "kit fox")
    root = class_set.synsets.get(ilsvrc_id=1001)
    assert root.words == "entity" and root.wordnet_height == 19
    assert Synset.parents.through.objects.filter(from_synset__class_set=class_set).count() == 1937
    assert class_set.synsets.filter(parents__isnull=True).get() == root


def test_it_imports_the_class_set_idempotently():
    import_ilsvrc2012()
    class_set = import_ilsvrc2012()
    assert class_set.synsets.count() == 1860
    assert Synset.parents.through.objects.filter(from_synset__class_set=class_set).count() == 1937


def test_published_hides_drafts():
    make_year("open")
    make_year("draft", status=ChallengeYear.Status.DRAFT)
    assert list(ChallengeYear.objects.published().values_list("slug", flat=True)) == ["open"]


def test_is_open_follows_the_dates():
    year = make_year(days_left=1)
    now = timezone.now()
    assert policy.year_takes_entries(year, now)
    assert not policy.year_takes_entries(year, now + timedelta(days=2))
    assert not policy.year_takes_entries(year, now - timedelta(days=2))


def test_a_person_is_in_at_most_one_team_per_year():
    year = make_year()
    alice = make_user("alice")
    make_team(year, "One", alice)
    other = Team.objects.create(year=year, name="Two")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(team=other, user=alice, year=year)


def test_team_names_are_unique_within_a_year_only():
    first, second = make_year("first"), make_year("second")
    Team.objects.create(year=first, name="Same")
    Team.objects.create(year=second, name="Same")
    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.create(year=first, name="Same")
