"""Many simultaneous uploads from one team on real PostgreSQL: the quota holds exactly."""

import threading

import pytest
from django.db import connection, connections

from submissions import quotas, services
from submissions.models import Submission
from tests.base import TEST_LABELS, make_world, predictions_file

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

UPLOADS = 12


def test_it_holds_the_quota_exactly_under_simultaneous_uploads(settings):
    assert connection.vendor == "postgresql"
    # Every upload validates at once here (the bound of validations per worker has its own tests):
    # all of them reach the quota's row locks together.
    settings.VALIDATIONS_PER_WORKER = UPLOADS
    world = make_world()  # test split: 2 per team per 7 days
    members = [world.alice, world.bob]
    data = predictions_file([[label] for label in TEST_LABELS])
    barrier = threading.Barrier(UPLOADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def upload(index: int) -> None:
        try:
            barrier.wait()
            services.create_submission(team=world.alpha, split=world.test, user=members[index % 2],
                                       data=data, entry_name=f"racer {index}")
            outcome = "created"
        except quotas.QuotaExceeded:
            outcome = "over quota"
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome = f"error: {exc!r}"
        finally:
            connections.close_all()  # each thread had its own connection
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(UPLOADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["created"] * 2 + ["over quota"] * (UPLOADS - 2)
    assert Submission.objects.filter(team=world.alpha, split=world.test).count() == 2


def test_one_person_in_a_race_gets_exactly_the_per_person_quota(settings):
    settings.VALIDATIONS_PER_WORKER = 6  # all six reach the quota's row locks together, as above
    world = make_world()
    data = predictions_file([[label] for label in TEST_LABELS])
    barrier = threading.Barrier(6)
    results: list[bool] = []

    def upload() -> None:
        try:
            barrier.wait()
            services.create_submission(team=world.alpha, split=world.test, user=world.alice, data=data,
                                       entry_name="solo")
            results.append(True)
        except quotas.QuotaExceeded:
            results.append(False)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=upload) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [False] * 4 + [True] * 2
    assert Submission.objects.filter(submitted_by=world.alice).count() == 2


def test_teams_whose_quota_is_pooled_get_one_budget_together_under_simultaneous_uploads(settings):
    """Issue 24, item 4: two teams pooled by the organizers race each other; the shared quota
    (2 a week on the test split) holds exactly, under the same row locks, without deadlock."""
    settings.VALIDATIONS_PER_WORKER = UPLOADS  # all reach the row locks together, as above
    world = make_world()
    quotas.pool_quota(user=world.olivia, teams=[world.alpha, world.charlies_team], splits=[world.test],
                      reason="one group")
    racers = [(world.alpha, world.alice), (world.alpha, world.bob), (world.charlies_team, world.charlie)]
    data = predictions_file([[label] for label in TEST_LABELS])
    barrier = threading.Barrier(UPLOADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def upload(index: int) -> None:
        team, user = racers[index % len(racers)]
        try:
            barrier.wait()
            services.create_submission(team=team, split=world.test, user=user, data=data, entry_name=f"r{index}")
            outcome = "created"
        except quotas.QuotaExceeded:
            outcome = "over quota"
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(UPLOADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["created"] * 2 + ["over quota"] * (UPLOADS - 2)
    assert Submission.objects.filter(split=world.test).count() == 2
