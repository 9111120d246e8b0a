"""The per-class view of a validation submission: errors per class and subtree, confusions."""

import pytest
from django.urls import reverse

from submissions.leaderboards.per_class import leaves_of, report_for_viewer
from tests.base import PASSWORD
from tests.leaderboard_helpers import open_quota, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(world):
    open_quota(world.val, world.test)
    # Images 0 and 1 (classes 1 and 2) get first guesses 500 and 501; the rest are right.
    world.submission = submit(world.val, world.alpha, world.alice, wrong=[0, 1])
    return world


def test_it_gives_the_error_per_class_subtree_and_the_confused_pairs(scored):
    report = report_for_viewer(pk=scored.submission.pk, user=scored.alice)
    errors = {row["id"]: row["error"] for row in report.classes}
    assert errors[1] == 1.0 and errors[2] == 1.0 and errors[3] == 0.0 and len(errors) == 10
    root = next(row for row in report.subtrees if row["wnid"] == "n00001740")  # entity
    assert (root["classes"], root["images"], root["error"]) == (1000, 10, 0.2)
    names = leaves_of(scored.year.class_set).names
    assert [(c["truth"], c["predicted"], c["count"]) for c in report.confusions] == [
        ("kit fox", names[500][1], 1), ("English setter", names[501][1], 1)]


def test_each_subtrees_leaf_set_is_computed_once_per_process(scored):
    class_set = scored.year.class_set
    assert leaves_of(class_set) is leaves_of(class_set)
    dogs = leaves_of(class_set).leaves[1159]  # n02084071 dog, domestic dog
    assert len(dogs) == 118


def test_only_the_team_and_organizers_see_it(client, scored):
    url = reverse("leaderboards:per-class", args=[scored.submission.pk])
    assert client.get(url).status_code == 404
    client.login(username="charlie", password=PASSWORD)
    assert client.get(url).status_code == 404
    for username in ("bob", "olivia"):
        client.login(username=username, password=PASSWORD)
        page = client.get(url)
        assert page.status_code == 200 and "kit fox" in page.content.decode()


def test_test_split_submissions_have_no_per_class_view(client, scored):
    test_submission = submit(scored.test, scored.alpha, scored.alice, wrong=[0])
    client.login(username="alice", password=PASSWORD)
    assert client.get(reverse("leaderboards:per-class", args=[test_submission.pk])).status_code == 404
