"""Small things every page shows: one date format, the favicon, text without stray punctuation."""

import re
from datetime import datetime, timezone

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from config.formats import moment
from tests.base import PASSWORD, TEST_LABELS, predictions_file
from tests.leaderboard_helpers import submit

pytestmark = pytest.mark.django_db

# What the site's one format looks like ("3 Dec 2030 14:05 UTC"), and what other formats would.
ONE_FORMAT = re.compile(r"\b\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2} UTC\b")
OTHER_FORMATS = re.compile(r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?!:\d{2}(\.\d+)?[+-])|\b\d{1,2} [A-Z][a-z]{2} \d{4}(?! \d{2}:\d{2} UTC)")


def test_a_moment_reads_the_same_everywhere():
    at = datetime(2030, 12, 3, 14, 5, tzinfo=timezone.utc)
    assert moment(at) == "3 Dec 2030 14:05 UTC" == moment(at.isoformat())


def test_pages_and_messages_write_moments_in_the_one_format(client, world):
    client.login(username="alice", password=PASSWORD)
    submit(world.val, world.alpha, world.alice, wrong=1, entry="dated")
    for _ in range(2):  # the test split's quota (2 a week) is used up: the next slot has a date
        submit(world.test, world.alpha, world.alice, wrong=1, entry="dated test")
    urls = [reverse("challenge:year-detail", args=[world.year.slug]),
            reverse("submissions:submit", args=[world.year.slug]),
            reverse("submissions:list", args=[world.year.slug]),
            reverse("teams:detail", args=[world.alpha.pk]),
            reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", "val"])]
    for url in urls:
        text = re.sub(r'datetime="[^"]*"', "", client.get(url).content.decode())
        assert ONE_FORMAT.search(text), url
        assert not OTHER_FORMATS.search(text), (url, OTHER_FORMATS.search(text).group())
    refused = client.post(reverse("submissions:submit", args=[world.year.slug]),
                          {"split": world.test.pk, "entry_name": "e", "file": _file(TEST_LABELS)},
                          HTTP_ACCEPT="application/json")
    assert refused.status_code == 429
    message = refused.json()["errors"][0]["message"]
    assert ONE_FORMAT.search(message) and not OTHER_FORMATS.search(message)


def _file(labels):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("p.txt", predictions_file([[label] for label in labels]))


def test_favicon_ico_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].endswith(".ico")
    assert finders.find("favicon.ico")
    assert 'rel="icon"' in client.get(reverse("challenge:home")).content.decode()


def test_the_year_page_has_no_double_parenthesis_nor_a_capital_mid_sentence(client, world):
    page = client.get(reverse("challenge:year-detail", args=[world.year.slug])).content.decode()
    text = re.sub(r"<[^>]+>", "", page)
    assert "))" not in text
    assert not re.search(r"[;,(] (Scores public at once|Hidden until)", text)
    assert "hidden until the results date (ilsvrc)" in text.lower()
