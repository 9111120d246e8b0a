"""Historical years from the shipped CSV, the history page and its SVG chart."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from challenge import policy
from challenge.competition.models import ChallengeYear
from submissions.leaderboards.history import winners_by_year
from submissions.leaderboards.models import HistoricalResult

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(db):
    call_command("load_history")


def test_it_loads_the_years_2010_to_2017_as_published_historical_years(history):
    years = ChallengeYear.objects.filter(is_historical=True).order_by("slug")
    assert [y.slug for y in years] == [f"ilsvrc{n}" for n in range(2010, 2018)]
    assert all(y.is_published() and not policy.year_takes_entries(y) for y in years)
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
    assert len(re.findall(r"<circle ", svg)) == 8 + 5  # classification 2010-2017, detection 2013-2017
    assert "Human error ≈ 5.1%" in svg and 'class="reference"' in svg
    assert "28.2%" in svg and "2.3%" in svg and "<script" not in page
    # The 2011 winner's value is only partly confirmed: marked in the chart and the table.
    assert "25.8%*" in svg and "partly unconfirmed" in page
    assert "<caption>The data in the chart</caption>" in page


def test_a_year_page_cites_sources_notes_partial_rows_and_leaves_out_unverified_ones(client, history):
    page = client.get(reverse("leaderboards:history-year", args=["ilsvrc2010"])).content.decode()
    assert "NEC-UIUC" in page and "Krizhevsky et al., NIPS 2012, Sec. 6" in page
    assert 'href="https://proceedings.neurips.cc/paper/2012/hash/c399862d3b9d6b76c8436e924a68c45b-Abstract.html"' in page
    assert "XRCE" in page and "Partly unconfirmed" in page and "the error value is not." in page
    assert "ISIL" not in page and "Hminmax" not in page


# Words of the research notes that belong in the data file's provenance, never on a page.
WORKING_NOTES = ("not verified", "read via", "recalled", "check before use", "third-party", "transcription",
                 "extraction", "(read)", "research pass")


def test_no_history_page_shows_working_notes_and_every_shown_row_links_its_source(client, history):
    for year in ChallengeYear.objects.filter(is_historical=True):
        page = client.get(reverse("leaderboards:history-year", args=[year.slug])).content.decode()
        assert not [note for note in WORKING_NOTES if note in page.lower()], year.slug
    shown = HistoricalResult.objects.shown()
    assert shown.count() == 27 + 26 and all(r.citation and r.url.startswith("http") for r in shown)
    assert all(r.note for r in shown.filter(verified="partial"))
    assert not HistoricalResult.objects.filter(verified="yes", team_name="MSRA Visual Computing",
                                            task__slug="classification").exists()
    page = client.get(reverse("leaderboards:history-year", args=["ilsvrc2014"])).content.decode()
    assert "Sources disagree on the error" in page


def test_a_shown_row_without_a_citation_or_a_partial_row_without_a_note_is_refused(tmp_path, db):
    from submissions.leaderboards.history import HISTORICAL_CSV, load_history

    lines = HISTORICAL_CSV.read_text(encoding="utf-8").splitlines()
    header, first, second = lines[0], lines[1], lines[2]
    assert ",https://proceedings.neurips.cc/" in first and ",partial,The team" in second
    no_link = tmp_path / "no_link.csv"
    no_link.write_text("\n".join([header, first.replace(",https://proceedings.neurips.cc/", ",/")]) + "\n")
    with pytest.raises(ValueError, match="citation and a link"):
        load_history(path=no_link)
    no_note = tmp_path / "no_note.csv"
    no_note.write_text("\n".join([header, second.replace(",partial,The team", ",partial,,The team")]) + "\n")
    with pytest.raises(ValueError, match="needs a note"):
        load_history(path=no_note)


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


def test_detection_results_of_2013_to_2017_are_loaded_with_their_mean_ap_and_sources(client, history):
    from submissions.leaderboards.history import history_context

    winners = [(w.task.year.slug, w.team_name, w.mean_ap) for w in history_context()["detection_winners"]]
    assert winners == [("ilsvrc2013", "UvA-Euvision", 0.22581), ("ilsvrc2014", "NUS", 0.37212),
                       ("ilsvrc2015", "MSRA", 0.620741), ("ilsvrc2016", "CUImage", 0.662751),
                       ("ilsvrc2017", "BDAT", 0.731392)]
    detection = HistoricalResult.objects.shown().filter(task__slug="detection")
    assert detection.count() == 26 and all(r.url.startswith("https://") and r.citation for r in detection)
    assert {r.uses_outside_data for r in detection.filter(task__year__slug="ilsvrc2014")} == {True, False}
    page = client.get(reverse("leaderboards:history-year", args=["ilsvrc2014"])).content.decode()
    assert "Mean average precision" in page and "0.37212" in page and "GoogLeNet" in page
    svg = client.get(reverse("leaderboards:history")).content.decode()
    assert "Detection mAP, provided data (higher is better)" in svg and "0.731" in svg and "0.226" in svg
