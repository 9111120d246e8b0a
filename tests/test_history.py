"""Historical years from the shipped CSV, the history page and its SVG chart."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from challenge.models import ChallengeYear
from submissions.leaderboards.history import winners_by_year
from submissions.leaderboards.models import HistoricalResult

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(db):
    call_command("load_history")


def test_it_loads_the_years_2010_to_2017_as_published_historical_years(history):
    years = ChallengeYear.objects.filter(is_historical=True).order_by("slug")
    assert [y.slug for y in years] == [f"ilsvrc{n}" for n in range(2010, 2018)]
    assert all(y.is_published() and not y.is_open() for y in years)
    assert years.get(slug="ilsvrc2012").tasks.get(slug="classification").historical_results.count() == 7


def test_loading_twice_changes_nothing(history):
    before = HistoricalResult.objects.count()
    call_command("load_history")
    assert HistoricalResult.objects.count() == before and ChallengeYear.objects.count() == 8


def test_the_chart_shows_each_years_winner_and_the_human_reference(client, history):
    assert [(w.task.year.slug, w.top5_cls_error) for w in winners_by_year()] == [
        ("ilsvrc2010", 0.282), ("ilsvrc2011", 0.258), ("ilsvrc2012", 0.15315), ("ilsvrc2013", 0.112),
        ("ilsvrc2014", 0.0666), ("ilsvrc2015", 0.0357), ("ilsvrc2016", 0.0299), ("ilsvrc2017", 0.02251)]
    page = client.get(reverse("leaderboards:history")).content.decode()
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert "<title id=\"chart-title\">" in svg and "<desc id=\"chart-desc\">" in svg
    assert len(re.findall(r"<circle ", svg)) == 8
    assert "Human error ≈ 5.1%" in svg and 'class="reference"' in svg
    assert "28.2%" in svg and "2.3%" in svg and "<script" not in page
    # The 2011 winner's value is only partly confirmed: marked in the chart and the table.
    assert "25.8%*" in svg and "partly unconfirmed" in page
    assert "<caption>The data in the chart</caption>" in page


def test_a_year_page_cites_sources_notes_partial_rows_and_leaves_out_unverified_ones(client, history):
    page = client.get(reverse("leaderboards:history-year", args=["ilsvrc2010"])).content.decode()
    assert "NEC-UIUC" in page and "Krizhevsky et al. 2012" in page
    assert "XRCE" in page and "Partly unconfirmed:" in page and "NOT VERIFIED" in page
    assert "ISIL" not in page and "Hminmax" not in page


def test_the_outside_data_column_follows_the_source(client, history):
    page = client.get(reverse("leaderboards:history-year", args=["ilsvrc2012"])).content.decode()
    assert "ImageNet Fall 2011" in page


def test_an_unknown_or_live_year_has_no_history_page(client, history, world):
    assert client.get(reverse("leaderboards:history-year", args=["nope"])).status_code == 404
    assert client.get(reverse("leaderboards:history-year", args=[world.year.slug])).status_code == 404
    page = client.get(reverse("leaderboards:history")).content.decode()
    assert reverse("challenge:year-detail", args=[world.year.slug]) in page


def test_a_year_page_reads_its_tasks_and_results_in_a_constant_number_of_queries(client, history,
                                                                                   django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # year, tasks, their shown results (not one query per task)
        assert client.get(reverse("leaderboards:history-year", args=["ilsvrc2014"])).status_code == 200
