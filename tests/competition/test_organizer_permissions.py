"""Every organizer page and action: anonymous visitors go to login, participants get 403, organizers get in."""

import pytest
from django.urls import reverse

from tests.base import PASSWORD, make_user


def organizer_urls(world):
    slug, task = world.year.slug, world.task.slug
    team = world.alpha.pk
    return [
        ("get", reverse("organize:dashboard")),
        ("get", reverse("organize:audit")),
        ("get", reverse("organize:year-create")),
        ("post", reverse("organize:year-create")),
        ("get", reverse("organize:year", args=[slug])),
        ("get", reverse("organize:year-edit", args=[slug])),
        ("post", reverse("organize:year-edit", args=[slug])),
        ("get", reverse("organize:task-create", args=[slug])),
        ("post", reverse("organize:task-create", args=[slug])),
        ("get", reverse("organize:task-edit", args=[slug, task])),
        ("post", reverse("organize:task-edit", args=[slug, task])),
        ("get", reverse("organize:data-files", args=[slug])),
        ("post", reverse("organize:data-files", args=[slug])),
        ("post", reverse("organize:data-file-remove", args=[slug, 1])),
        ("get", reverse("organize:ground-truth", args=[slug, task, "test"])),
        ("post", reverse("organize:ground-truth", args=[slug, task, "test"])),
        ("get", reverse("organize:rescoring", args=[slug])),
        ("get", reverse("organize:entries", args=[slug])),
        ("post", reverse("organize:entry-moderate", args=[slug, 1])),
        ("get", reverse("organize:teams", args=[slug])),
        ("post", reverse("organize:team-ban", args=[slug, team])),
        ("post", reverse("organize:team-quota", args=[slug, team])),
    ]


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_the_login_page(client, world):
    for method, url in organizer_urls(world):
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("login")), (method, url)


@pytest.mark.django_db
def test_it_refuses_participants_with_403(client, world):
    client.login(username="alice", password=PASSWORD)
    for method, url in organizer_urls(world):
        assert getattr(client, method)(url).status_code == 403, (method, url)


@pytest.mark.django_db
def test_it_refuses_staff_without_the_organizer_role(client, world):
    make_user("stella", is_staff=True)
    client.login(username="stella", password=PASSWORD)
    assert client.get(reverse("organize:dashboard")).status_code == 403


@pytest.mark.django_db
def test_it_lets_organizers_in(client, world):
    client.login(username="olivia", password=PASSWORD)
    for method, url in organizer_urls(world):
        response = getattr(client, method)(url)
        # Empty POSTs are invalid forms (400 or a redirect back with a message), unknown ids 404: never 403.
        assert response.status_code in {200, 302, 400, 404}, (method, url, response.status_code)
        if method == "get":
            assert response.status_code == 200, (method, url)


@pytest.mark.django_db
def test_it_makes_organizer_posts_csrf_protected(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.login(username="olivia", password=PASSWORD)
    for method, url in organizer_urls(world):
        if method == "post":
            assert client.post(url).status_code == 403, url
