"""Who may keep a copy of a board, and how fresh it is: anonymous boards are cacheable by a shared
proxy for a second, a signed-in viewer's are private, and every board response names its build
time (X-Board-Built-At). The same through real nginx: tests/site/test_proxy.py."""

import time
from datetime import UTC, datetime

import pytest
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token

from submissions.leaderboards.models import LeaderboardBoard
from tests.base import PASSWORD
from tests.leaderboard_helpers import open_quota, submit

pytestmark = pytest.mark.django_db

SHARED = {"public", "max-age=1", "stale-while-revalidate=1"}


def _urls(world, split="val"):
    return ((reverse("leaderboard_api:leaderboard", args=[world.year.slug, "classification"]), {"split": split}),
            (reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", split]), {}))


def _directives(response) -> set[str]:
    return {d.strip() for d in response["Cache-Control"].split(",")}


def _built_at(world, basis="all") -> datetime:
    return LeaderboardBoard.objects.get(split=world.val, basis=basis, track="combined").built_at


def test_an_anonymous_board_may_be_kept_by_a_shared_cache_for_a_second_and_names_its_build_time(client, world):
    open_quota(world.val)
    submit(world.val, world.alpha, world.alice, wrong=1)
    built_at = _built_at(world)
    for url, query in _urls(world):
        response = client.get(url, query)
        assert response.status_code == 200 and _directives(response) == SHARED, url
        # For nginx, which counts in whole seconds: the copy lives to the end of this second.
        assert abs(int(response["X-Accel-Expires"].removeprefix("@")) - time.time()) < 2
        stamp = response["X-Board-Built-At"]
        assert stamp.endswith("Z") and datetime.fromisoformat(stamp) == built_at.astimezone(UTC), (url, stamp)
        again = client.get(url, query, headers={"If-None-Match": response["ETag"]})
        assert again.status_code == 304 and _directives(again) == SHARED
        assert again["X-Board-Built-At"] == stamp


def test_the_build_time_moves_with_each_rebuild(client, world):
    open_quota(world.val)
    submit(world.val, world.alpha, world.alice, wrong=1)
    url, query = _urls(world)[0]
    first = client.get(url, query)["X-Board-Built-At"]
    submit(world.val, world.charlies_team, world.charlie, wrong=0)
    second = client.get(url, query)["X-Board-Built-At"]
    assert datetime.fromisoformat(second) > datetime.fromisoformat(first)
    assert datetime.fromisoformat(second) == _built_at(world).astimezone(UTC)


def test_a_signed_in_viewer_is_answered_privately_with_the_build_time(client, world):
    open_quota(world.val)
    submit(world.val, world.alpha, world.alice, wrong=1)
    stamp = _built_at(world).astimezone(UTC)
    client.login(username="alice", password=PASSWORD)
    for url, query in _urls(world):
        response = client.get(url, query)
        assert response.status_code == 200 and {"private", "no-cache"} <= _directives(response), url
        assert "public" not in _directives(response) and "max-age=1" not in _directives(response)
        assert not response.has_header("X-Accel-Expires")  # it would make nginx keep a private copy
        assert datetime.fromisoformat(response["X-Board-Built-At"]) == stamp
    client.logout()
    token = Token.objects.create(user=world.alice).key
    url, query = _urls(world)[0]
    response = client.get(url, query, headers={"Authorization": f"Token {token}"})
    assert {"private", "no-cache"} <= _directives(response) and "public" not in _directives(response)


def test_a_response_that_shows_no_stored_board_names_no_build_time(client, world):
    open_quota(world.test)
    submit(world.test, world.alpha, world.alice, wrong=1, entry="hidden")  # test scores are hidden from the public
    for url, query in _urls(world, split="test"):
        response = client.get(url, query)
        assert response.status_code == 200 and not response.has_header("X-Board-Built-At"), url


def test_an_anonymous_viewer_with_a_message_waiting_gets_it_on_a_private_copy_and_nobody_else_does(client, world):
    # A notice left for one anonymous browser (say, after signing out) must not be kept in the
    # shared copy of the board and shown to every reader.
    open_quota(world.val)
    submit(world.val, world.alpha, world.alice, wrong=1)
    url, query = _urls(world)[1]
    note = HttpResponse()
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(messages.INFO, "Mail sent to someone@example.org")
    storage.update(note)
    client.cookies[note.cookies["messages"].key] = note.cookies["messages"].value

    with_message = client.get(url, query)
    assert "Mail sent to someone@example.org" in with_message.content.decode()
    assert {"private", "no-cache"} <= _directives(with_message)

    del client.cookies["messages"]
    everyone = client.get(url, query)
    assert "someone@example.org" not in everyone.content.decode()
    assert _directives(everyone) == SHARED
