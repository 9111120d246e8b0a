"""Answers found by trying the site as an attacker would: each was a 500 (or a misleading 503 or
an empty page) and is now a clear answer. The walk over every URL with hostile query values is
in test_hostile_queries.py."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from challenge.datafiles.models import DataFile
from submissions.leaderboards.models import Track
from tests.base import PASSWORD
from tests.leaderboard_helpers import submit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["²", "①", "٣", "99999999999999999999", "-1"])
def test_a_class_search_for_any_kind_of_digit_answers(client, world, query):
    response = client.get(reverse("challenge:classes", args=[world.year.slug]), {"q": query})
    assert response.status_code == 200


def test_a_class_search_by_id_still_finds_the_class(client, world):
    page = client.get(reverse("challenge:classes", args=[world.year.slug]), {"q": "1"}).content.decode()
    assert "n02119789" in page  # ILSVRC2012 id 1: kit fox


def _board(world):
    submit(world.val, world.alpha, world.alice, wrong=1, entry="on the board")
    return reverse("leaderboards:leaderboard", args=[world.year.slug, world.task.slug, "val"])


@pytest.mark.parametrize("page", ["2147483648", "99999999999999999999999", "99", "2"])
def test_a_leaderboard_page_past_the_last_is_a_404_saying_how_many_there_are(client, world, page):
    response = client.get(_board(world), {"page": page})
    assert response.status_code == 404
    assert "1 page" in response.content.decode()


@pytest.mark.parametrize("page", ["99999999999", "2147483648", "99"])
def test_a_leaderboard_api_page_past_the_last_is_a_404_in_the_errors_shape(client, world, page):
    _board(world)
    url = reverse("leaderboard_api:leaderboard", args=[world.year.slug, world.task.slug])
    response = client.get(url, {"split": "val", "page": page})
    assert response.status_code == 404
    assert "1 page" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("page", ["", "0", "-3", "x", "1"])
def test_the_first_page_is_shown_for_no_page_or_a_nonsense_one(client, world, page):
    response = client.get(_board(world), {"page": page})
    assert response.status_code == 200 and "on the board" in response.content.decode()


def test_an_unknown_track_gets_a_page_naming_the_tracks(client, world):
    response = client.get(_board(world), {"track": "closed"})
    assert response.status_code == 404
    page = response.content.decode()
    assert "closed" in page
    for value, label in Track.choices:
        assert f"?track={value}" in page and label in page


def test_registering_a_folder_as_a_data_file_is_a_form_error_not_a_storage_outage(client, world):
    default_storage.save("data/images/one.jpg", ContentFile(b"jpeg"))
    client.login(username="olivia", password=PASSWORD)
    url = reverse("organize:data-files", args=[world.year.slug])
    for key in ("data/images", "data/images/"):
        response = client.post(url, {"register-title": "Images", "register-storage_key": key})
        assert response.status_code == 400, key
        assert "folder" in response.content.decode()
    assert not DataFile.objects.exists()
