"""The entries page: each entry links to its submission, filters, and bulk moderation with one reason."""

import pytest
from django.urls import reverse

from challenge.audit.models import AuditEntry
from submissions.leaderboards.models import LeaderboardEntry
from submissions.models import LedgerRecord, Submission
from submissions.services import create_submission, score_submission
from tests.base import PASSWORD, TEST_LABELS, VAL_LABELS, predictions_file


def scored(world, team, user, split, labels, name):
    return score_submission(submission_id=create_submission(
        team=team, split=split, user=user, entry_name=name, data=predictions_file([[label] for label in labels])).pk)


@pytest.fixture
def entries(world):
    return {
        "alpha_val": scored(world, world.alpha, world.alice, world.val, VAL_LABELS, "alpha-val"),
        "alpha_test": scored(world, world.alpha, world.bob, world.test, TEST_LABELS, "alpha-test"),
        "charlie_val": scored(world, world.charlies_team, world.charlie, world.val, VAL_LABELS, "charlie-val"),
    }


@pytest.fixture
def organizer(client, world):
    client.login(username="olivia", password=PASSWORD)
    return client


def listing(client, world, **filters) -> str:
    return client.get(reverse("organize:entries", args=[world.year.slug]), filters).content.decode()


@pytest.mark.django_db
def test_each_entry_links_to_its_submission(organizer, world, entries):
    page = listing(organizer, world)
    for entry in entries.values():
        assert f'href="{reverse("submissions:detail", args=[entry.pk])}"' in page
    assert organizer.get(reverse("submissions:detail", args=[entries["alpha_val"].pk])).status_code == 200


@pytest.mark.django_db
def test_it_filters_by_split_team_status_and_moderation(organizer, world, entries):
    def names(**filters):
        page = listing(organizer, world, **filters)
        return {name for name in ("alpha-val", "alpha-test", "charlie-val") if f">{name}</a>" in page}

    assert names() == {"alpha-val", "alpha-test", "charlie-val"}
    assert names(split=world.val.pk) == {"alpha-val", "charlie-val"}
    assert names(team=world.alpha.pk) == {"alpha-val", "alpha-test"}
    assert names(team=world.alpha.pk, split=world.test.pk) == {"alpha-test"}
    assert names(status="failed") == set()
    Submission.objects.filter(pk=entries["charlie_val"].pk).update(not_comparable=True, not_comparable_reason="x")
    assert names(moderation="not_comparable") == {"charlie-val"}
    assert names(moderation="clean") == {"alpha-val", "alpha-test"}


@pytest.mark.django_db
def test_it_disqualifies_several_entries_with_one_reason(organizer, client, world, entries):
    url = reverse("organize:entries-bulk", args=[world.year.slug])
    chosen = [entries["alpha_val"].pk, entries["charlie_val"].pk]
    response = organizer.post(url, {"entries": chosen, "action": "disqualify", "reason": "Shared test labels",
                                    "query": f"split={world.val.pk}"})
    assert response.status_code == 302
    assert response["Location"] == reverse("organize:entries", args=[world.year.slug]) + f"?split={world.val.pk}"
    marked = Submission.objects.filter(pk__in=chosen)
    assert {(s.disqualified, s.disqualified_reason) for s in marked} == {(True, "Shared test labels")}
    assert not Submission.objects.get(pk=entries["alpha_test"].pk).disqualified
    assert AuditEntry.objects.filter(action="entry.moderate").count() == 2
    assert LedgerRecord.objects.filter(kind=LedgerRecord.Kind.SUBMISSION_MODERATED).count() == 2
    client.logout()
    board = client.get(reverse("leaderboards:leaderboard", args=[world.year.slug, world.task.slug, "val"]))
    assert board.content.decode().count("Shared test labels") == 2


@pytest.mark.django_db
def test_a_bulk_mark_needs_a_reason_and_restore_clears_both_marks(organizer, world, entries):
    url = reverse("organize:entries-bulk", args=[world.year.slug])
    pk = entries["alpha_val"].pk
    refused = organizer.post(url, {"entries": [pk], "action": "not_comparable", "reason": ""}, follow=True)
    assert b"Give the public reason" in refused.content
    assert not Submission.objects.get(pk=pk).not_comparable
    organizer.post(url, {"entries": [pk], "action": "not_comparable", "reason": "10x the data"})
    organizer.post(url, {"entries": [pk], "action": "disqualify", "reason": "And cheated"})
    entry = Submission.objects.get(pk=pk)
    assert (entry.not_comparable, entry.disqualified) == (True, True)
    assert LeaderboardEntry.objects.filter(submission=entry).exists()
    organizer.post(url, {"entries": [pk], "action": "restore", "reason": ""})
    entry.refresh_from_db()
    assert (entry.not_comparable, entry.disqualified, entry.not_comparable_reason) == (False, False, "")


@pytest.mark.django_db
def test_bulk_moderation_never_reaches_another_years_entries(organizer, world, entries):
    from tests.base import make_year

    make_year("y2099")
    url = reverse("organize:entries-bulk", args=["y2099"])
    organizer.post(url, {"entries": [entries["alpha_val"].pk], "action": "disqualify", "reason": "x"})
    assert not Submission.objects.get(pk=entries["alpha_val"].pk).disqualified


@pytest.mark.django_db
def test_each_checkbox_sits_in_one_piece_with_its_label(organizer, world, entries):
    pk = entries["alpha_val"].pk
    page = listing(organizer, world)
    assert (f'<span class="mark"><input type="checkbox" name="not_comparable" id="nc-{pk}" > '
            f'<label for="nc-{pk}">Not directly comparable</label></span>') in page
