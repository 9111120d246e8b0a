"""One atomic rate counter (challenge.accounts.rates) for the API's throttles and the invitation limit:
simultaneous requests on PostgreSQL cannot read the same count."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from challenge.accounts import rates
from challenge.accounts.models import RateCount
from tests.base import PASSWORD, make_user


def _at_once(count: int, work) -> list:
    """Run `work` in `count` threads released together, each on its own database connection."""
    barrier, results = threading.Barrier(count), [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = work()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_hits_against_five_a_minute_let_exactly_five_through():
    decisions = _at_once(20, lambda: rates.hit(key="burst", limit=5, window=timedelta(minutes=1)))
    assert sum(d.allowed for d in decisions) == 5
    assert sorted(d.count for d in decisions) == list(range(1, 21))
    assert RateCount.objects.get(key="burst").count == 20


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_token_requests_against_five_a_minute_get_exactly_five_tokens(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "token": "5/min", "submission": "30/min"}}
    make_user("alice")

    def ask():
        return Client(REMOTE_ADDR="198.51.100.20").post(
            "/api/auth/token/", {"username": "alice", "password": PASSWORD}).status_code

    statuses = _at_once(20, ask)
    assert sorted(statuses) == [200] * 5 + [429] * 15


@pytest.mark.django_db
def test_a_window_restarts_once_it_has_passed_and_says_when():
    start = timezone.now()
    assert [rates.hit(key="k", limit=2, window=timedelta(minutes=1), at=start).allowed for _ in range(3)] == [
        True, True, False]
    refused = rates.hit(key="k", limit=2, window=timedelta(minutes=1), at=start + timedelta(seconds=20))
    assert not refused.allowed and refused.retry_after == pytest.approx(40)
    later = rates.hit(key="k", limit=2, window=timedelta(minutes=1), at=start + timedelta(minutes=1))
    assert (later.allowed, later.count) == (True, 1)
    assert rates.hit(key="other", limit=2, window=timedelta(minutes=1), at=start).count == 1
    assert rates.purge(at=start + timedelta(days=3)) == 2
