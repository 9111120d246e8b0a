"""The audit log reads like a log: who, when, what (linked), and old → new for changes; filters."""

from datetime import timedelta

import pytest
from django.urls import reverse

from challenge.audit.models import AuditEntry
from submissions.services import create_submission, score_submission
from tests.base import PASSWORD, VAL_LABELS, make_user, make_year, predictions_file
from tests.competition.test_organizer_years import split_form, year_form


@pytest.fixture
def organizer(client, world):
    client.login(username="olivia", password=PASSWORD)
    return client


def audit_page(client, **filters):
    return client.get(reverse("organize:audit"), filters).content.decode()


def edit_year(client, year, **overrides):
    data = year_form(slug=year.slug, title=year.title, status="published",
                     opens_at=year.opens_at.strftime("%Y-%m-%dT%H:%M"),
                     deadline=year.deadline.strftime("%Y-%m-%dT%H:%M"),
                     results_at=year.results_at.strftime("%Y-%m-%dT%H:%M"))
    data.update(overrides)
    return client.post(reverse("organize:year-edit", args=[year.slug]), data)


@pytest.mark.django_db
def test_a_settings_change_shows_each_field_old_and_new(organizer, world):
    old = world.year.deadline.strftime("%Y-%m-%d %H:%M")
    new_deadline = (world.year.deadline + timedelta(days=3)).replace(second=0, microsecond=0)
    edit_year(organizer, world.year, title="Renamed", deadline=new_deadline.strftime("%Y-%m-%dT%H:%M"),
              deadline_reason="Power cut")
    entry = AuditEntry.objects.get(action="year.update")
    assert entry.details["changes"]["title"] == ["Challenge y2030", "Renamed"]
    page = audit_page(organizer)
    assert "olivia" in page and "changed the settings of" in page
    assert "Title: <del>Challenge y2030</del> → <ins>Renamed</ins>" in page
    assert f"Deadline: <del>{old} UTC</del> → <ins>{new_deadline:%Y-%m-%d %H:%M} UTC</ins>" in page
    assert "Deadline reason: Power cut" in page
    assert f'href="{reverse("organize:year", args=[world.year.slug])}"' in page
    assert "{'" not in page and "[&#x27;" not in page  # no Python dicts or lists


@pytest.mark.django_db
def test_a_task_change_names_the_split_field_and_links_to_the_task(organizer, world):
    url = reverse("organize:task-edit", args=[world.year.slug, world.task.slug])
    data = {"slug": world.task.slug, "title": world.task.title, "kind": world.task.kind, "description": "",
            "position": "0", **split_form("val", visibility="immediate", labels_public="on", quota_per_window="10",
                                          quota_window_days="1"),
            **split_form("test", quota_per_window="3")}
    assert organizer.post(url, data).status_code == 302
    page = audit_page(organizer, kind="task")
    assert "changed the task" in page and f'href="{url}"' in page
    assert "Test: quota per window: <del>2</del> → <ins>3</ins>" in page
    assert "Val: quota per window" not in page  # unchanged fields are not listed


@pytest.mark.django_db
def test_a_moderated_entry_links_to_its_submission(organizer, world):
    entry = score_submission(submission_id=create_submission(
        team=world.alpha, split=world.val, user=world.alice, entry_name="e",
        data=predictions_file([[label] for label in VAL_LABELS])).pk)
    organizer.post(reverse("organize:entry-moderate", args=[world.year.slug, entry.pk]),
                   {"disqualified": "on", "disqualified_reason": "Test images in training"})
    page = audit_page(organizer, kind="entry")
    assert f'href="{reverse("submissions:detail", args=[entry.pk])}"' in page
    assert "Disqualified: <del>no</del> → <ins>yes</ins>" in page


@pytest.mark.django_db
def test_it_filters_by_year_kind_and_person(organizer, world):
    other = make_year("y2031")
    olga = make_user("olga", organizer=True)
    from challenge.audit.services import record_audit

    record_audit(actor=olga, action="team.ban", target="Rogue", year=other, reason="spam")
    record_audit(actor=world.olivia, action="datafile.upload", target="devkit.tar", year=world.year)
    assert "Rogue" in audit_page(organizer) and "devkit.tar" in audit_page(organizer)
    by_year = audit_page(organizer, year="y2031")
    assert "Rogue" in by_year and "devkit.tar" not in by_year
    by_kind = audit_page(organizer, kind="datafile")
    assert "devkit.tar" in by_kind and "Rogue" not in by_kind
    by_person = audit_page(organizer, person="olga")
    assert "Rogue" in by_person and "devkit.tar" not in by_person
    assert organizer.get(reverse("organize:audit"), {"year": "nope"}).status_code == 404


@pytest.mark.django_db
def test_records_written_before_this_format_read_without_python_syntax(organizer, world):
    AuditEntry.objects.create(actor=world.olivia, action="task.update", target="y2030/classification", year=world.year,
                              details={"kind": "classification", "splits": {"val": {"n_images": "10"}}})
    page = audit_page(organizer)
    assert "Splits · val · n images: 10" in page and "{'" not in page


@pytest.mark.django_db
def test_a_browsers_line_ends_are_no_change(organizer, world):
    world.year.rules = "* one\n* two"
    world.year.save()
    edit_year(organizer, world.year, rules="* one\r\n* two", title="Renamed", description="", terms_of_access="")
    entry = AuditEntry.objects.get(action="year.update")
    assert list(entry.details["changes"]) == ["title"]
