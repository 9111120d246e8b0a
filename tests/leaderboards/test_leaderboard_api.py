"""The leaderboard API and page: fields, statistics on the board, constant queries, schema."""

import time
from datetime import timedelta

import pytest
from django.core.cache.backends import locmem
from django.urls import reverse
from django.utils import timezone

from submissions.leaderboards.models import LeaderboardEntry
from tests.base import make_team, make_user
from tests.leaderboard_helpers import open_quota, stored_rows, submit

pytestmark = pytest.mark.django_db


def _api_url(world):
    return reverse("leaderboard_api:leaderboard", args=[world.year.slug, "classification"])


def test_it_returns_ranked_entries_with_intervals_significance_and_ties(client, world):
    open_quota(world.val)
    submit(world.val, world.alpha, world.alice, wrong=0, entry="perfect")
    submit(world.val, world.charlies_team, world.charlie, wrong=6, entry="six")
    dora = make_user("dora")
    submit(world.val, make_team(world.year, "Delta", dora), dora, wrong=7, entry="seven")
    body = client.get(_api_url(world), {"split": "val"}).json()
    assert body["count"] == 3 and body["primary_metric"] == "top5_error" and body["visible"] is True
    perfect, six, seven = body["entries"]
    assert (perfect["rank"], perfect["team"]["name"], perfect["entry"]) == (1, "Alpha", "perfect")
    assert perfect["scores"]["top5_error"] == {"value": 0.0, "ci_low": 0.0, "ci_high": 0.0}
    # 6 of 10 wrong: a resample's count is Binomial(10, 0.6); its 2.5% and 97.5% quantiles are 3 and 9.
    assert six["scores"]["top5_error"] == {"value": 0.6, "ci_low": 0.3, "ci_high": 0.9}
    # perfect vs six: 6 discordant images, all one way: exact p = 2 / 2**6 = 0.03125.
    assert (perfect["better_than_next"], perfect["p_value_next"]) == (True, 0.03125)
    # six vs seven: one discordant image: p = 1.
    assert (six["better_than_next"], six["p_value_next"]) == (False, 1.0)
    assert (perfect["tie_group"], six["tie_group"], seven["tie_group"]) == (1, 2, 2)
    assert six["tied_with"] == [2, 3] and seven["tied_with"] == [2, 3] and perfect["tied_with"] is None
    assert seven["better_than_next"] is None
    assert "T" in perfect["submitted_at"]
    page = client.get(reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", "val"]))
    assert "Yes (p = 0.03125)" in page.content.decode() and "No, tied (p = 1.00000)" in page.content.decode()


def test_a_tiny_p_value_reads_as_a_bound_not_as_zero():
    from challenge.templatetags.challenge_tags import p_value

    assert (p_value(1e-12), p_value(0.03125), p_value(None)) == ("p < 0.00001", "p = 0.03125", "—")


def test_intervals_are_computed_once_per_score(world):
    open_quota(world.val)
    submit(world.val, world.alpha, world.alice, wrong=6)
    entry = LeaderboardEntry.objects.get()
    assert entry.stats["all"]["top5_error"] == [0.6, 0.3, 0.9]


def test_an_unknown_track_is_a_clear_400(client, world):
    response = client.get(_api_url(world), {"split": "val", "track": "nope"})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["line"] is None and "Unknown track 'nope'" in error["message"]


def test_an_unknown_year_or_split_is_404(client, world):
    assert client.get(reverse("leaderboard_api:leaderboard", args=["nope", "classification"])).status_code == 404
    assert client.get(_api_url(world), {"split": "train"}).status_code == 404


def test_the_page_and_api_use_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    open_quota(world.val)
    submit(world.val, world.alpha, world.alice, wrong=1)
    page_url = reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", "val"])
    with django_assert_max_num_queries(4):  # a connection's first request also prepares the statement
        client.get(page_url)
    with django_assert_max_num_queries(2):
        client.get(_api_url(world), {"split": "val"})
    for i in range(30):
        user = make_user(f"user{i}")
        submit(world.val, make_team(world.year, f"Team {i}", user), user, wrong=i % 10)
    with django_assert_max_num_queries(2):  # the stored page, and its body on the first read
        assert client.get(page_url).content.decode().count("<tr class=") == 31
    with django_assert_max_num_queries(2):
        assert client.get(_api_url(world), {"split": "val"}).json()["count"] == 31
    with django_assert_max_num_queries(1):  # anonymous viewers: the kept response
        assert client.get(page_url).content.decode().count("<tr class=") == 31


def test_the_schema_documents_the_endpoint(client, world):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/years/{slug}/tasks/{task}/leaderboard/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"split", "track", "page"}
    assert "tied_with" in schema["components"]["schemas"]["Entry"]["properties"]


def test_anonymous_viewers_get_a_kept_gzipped_page_and_signed_in_ones_a_fresh_one(client, world):
    import gzip

    open_quota(world.val)
    submit(world.val, world.alpha, world.alice, wrong=1, entry="first")
    url = reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", "val"])
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert zipped["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped["Vary"]
    assert "first" in gzip.decompress(zipped.content).decode()
    submit(world.val, world.charlies_team, world.charlie, wrong=0, entry="second")
    assert "second" in client.get(url).content.decode()  # a rebuilt board is a new version
    client.login(username="olivia", password="correct horse battery staple")
    page = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert not page.has_header("Content-Encoding") and "olivia" in page.content.decode()


def test_boards_are_served_a_hundred_entries_a_page(client, world):
    from submissions.leaderboards.models import LeaderboardBoard
    from submissions.leaderboards.services import store_board

    open_quota(world.val)
    submit(world.val, world.alpha, world.alice, wrong=1, entry="only")
    [row] = stored_rows(world.val)
    store_board(split=world.val, basis="all", track="combined",
                rows=[{**row, "position": i, "rank": i} for i in range(1, 102)])
    first = client.get(_api_url(world), {"split": "val"}).json()
    second = client.get(_api_url(world), {"split": "val", "page": 2}).json()
    assert (first["count"], first["pages"], len(first["entries"])) == (101, 2, 100)
    assert (second["page"], [e["position"] for e in second["entries"]]) == (2, [101])
    page = client.get(reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", "val"]),
                      {"page": 2}).content.decode()
    assert "Page 2 of 2" in page and 'rel="prev"' in page and 'rel="next"' not in page


def test_a_draft_years_leaderboard_is_404_except_to_organizers(client, world):
    from challenge.competition.models import ChallengeYear

    open_quota(world.val)
    submit(world.val, world.alpha, world.alice, wrong=1)  # a stored page: the one-query path
    ChallengeYear.objects.filter(pk=world.year.pk).update(status=ChallengeYear.Status.DRAFT)
    page_url = reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", "val"])
    test_url = reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", "test"])  # no page yet
    for url in (page_url, test_url):
        assert client.get(url).status_code == 404
    assert client.get(_api_url(world), {"split": "val"}).status_code == 404
    client.login(username="olivia", password="correct horse battery staple")
    for url in (page_url, test_url):
        assert client.get(url).status_code == 200


def test_a_process_keeps_a_page_lookup_for_a_second_but_sees_its_own_new_boards_at_once(
        client, world, settings, django_assert_max_num_queries, monkeypatch):
    """The results-day micro-cache (leaderboards.selectors.stored_pages): readers cost one lookup
    per second per process, a board stored in this process shows at once, and a change made
    behind the site's back (here, a direct update) shows once the second has passed."""
    from datetime import timedelta

    from django.utils import timezone

    from challenge.competition.models import ChallengeYear
    from tests.leaderboard_helpers import open_quota, submit

    def _api(client, world):
        return client.get(_api_url(world), {"split": "val"}).json()

    settings.LEADERBOARD_CACHE_SECONDS = 1
    open_quota(world.val)
    submit(world.val, world.alpha, world.alice, wrong=2, entry="first")
    assert [e["entry"] for e in _api(client, world)["entries"]] == ["first"]
    with django_assert_max_num_queries(0):
        _api(client, world)
    submit(world.val, world.charlies_team, world.charlie, wrong=1, entry="second")  # stores the boards here
    assert [e["entry"] for e in _api(client, world)["entries"]] == ["second", "first"]
    ChallengeYear.objects.filter(pk=world.year.pk).update(results_at=timezone.now() - timedelta(seconds=1))
    assert _api(client, world)["explanation"] != "Final results."  # the kept lookup holds the old date
    # The lookup's second passes: the process cache's clock moves on, not the test's (a sleep of
    # just over a second could come too early on a busy machine, or a slow request too late).
    later = time.time() + settings.LEADERBOARD_CACHE_SECONDS + 0.5
    monkeypatch.setattr(locmem.time, "time", lambda: later)
    assert _api(client, world)["explanation"] == "Final results."


def test_a_client_polling_the_board_gets_304_until_it_changes(client, world):
    open_quota(world.val)
    submit(world.val, world.alpha, world.alice, wrong=1, entry="first")
    for url, query in ((_api_url(world), {"split": "val"}),
                       (reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", "val"]), {})):
        first = client.get(url, query)
        etag, modified = first["ETag"], first["Last-Modified"]
        assert first.status_code == 200 and etag.startswith('W/"') and "max-age=1" in first["Cache-Control"]
        again = client.get(url, query, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
        assert client.get(url, query, headers={"If-Modified-Since": modified}).status_code == 304
        other_page = client.get(url, {**query, "page": 2}, headers={"If-None-Match": etag})
        assert other_page.status_code == 404  # another page is another version (here: past the last)
    submit(world.val, world.charlies_team, world.charlie, wrong=0, entry="second")
    changed = client.get(_api_url(world), {"split": "val"}, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag and changed.json()["count"] == 2


def test_a_viewer_who_sees_more_gets_another_version_kept_privately(client, world):
    open_quota(world.test)
    submit(world.test, world.alpha, world.alice, wrong=1, entry="hidden")
    url, query = _api_url(world), {"split": "test"}
    public = client.get(url, query)
    assert public.json()["visible"] is False and "private" not in public["Cache-Control"]
    client.login(username="olivia", password="correct horse battery staple")
    organizer = client.get(url, query, headers={"If-None-Match": public["ETag"]})
    assert organizer.status_code == 200 and organizer.json()["entries"][0]["entry"] == "hidden"
    assert organizer["ETag"] != public["ETag"] and "private" in organizer["Cache-Control"]
    page = client.get(reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", "test"]))
    assert not page.has_header("ETag")  # a signed-in page holds their name and a CSRF token


def test_last_modified_moves_to_the_results_date_when_the_results_switch_the_board(client, world):
    from email.utils import parsedate_to_datetime

    from challenge.competition.models import ChallengeYear
    from submissions.leaderboards.models import LeaderboardBoard

    open_quota(world.val)
    submit(world.val, world.alpha, world.alice, wrong=1)
    LeaderboardBoard.objects.update(built_at=timezone.now() - timedelta(minutes=1))  # built, then read
    before = client.get(_api_url(world), {"split": "val"})
    results_at = timezone.now() - timedelta(seconds=5)  # then the results date passed
    ChallengeYear.objects.filter(pk=world.year.pk).update(results_at=results_at)
    after = client.get(_api_url(world), {"split": "val"}, headers={"If-Modified-Since": before["Last-Modified"]})
    assert after.status_code == 200 and after.json()["basis"] == "all"
    assert parsedate_to_datetime(after["Last-Modified"]) == results_at.replace(microsecond=0)
