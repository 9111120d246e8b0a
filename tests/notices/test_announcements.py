"""Announcements: posted by organizers (Markdown, sanitized), shown on the year page and in the
API, e-mailed to every member of every team of the year; edits and deletions audited."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from challenge.audit.models import AuditEntry
from challenge.notices.mail import set_email_preference
from challenge.notices.models import Announcement, OutgoingEmail
from tests.base import PASSWORD, make_team, make_user, make_year


@pytest.fixture
def organizer(client, world):
    client.login(username="olivia", password=PASSWORD)
    return client


def post_announcement(client, year, title, body, action="post"):
    return client.post(reverse("organize:announcement-create", args=[year.slug]),
                       {"title": title, "body": body, "action": action})


def send_mail():
    call_command("send_notifications", stdout=open("/dev/null", "w"))


@pytest.mark.django_db
def test_a_posted_announcement_is_on_the_year_page_in_the_api_and_in_every_members_mailbox(organizer, client, world):
    other_year = make_year("y2031")
    make_team(other_year, "Elsewhere", make_user("dora"))
    assert post_announcement(organizer, world.year, "Test server open",
                             "The **test** server is open. <script>alert(1)</script>").status_code == 302
    announcement = Announcement.objects.get()
    assert announcement.posted_at is not None

    client.logout()
    page = client.get(reverse("challenge:year-detail", args=[world.year.slug])).content.decode()
    assert "Test server open" in page and "<strong>test</strong>" in page and "<script>alert" not in page

    send_mail()
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org", "charlie@example.org"]
    message = mail.outbox[0]
    assert "Test server open" in message.subject and "The **test** server is open." in message.body
    assert "/accounts/email/opt-out/" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert AuditEntry.objects.filter(action="announcement.post", target="Test server open").exists()


@pytest.mark.django_db
def test_the_year_api_lists_posted_announcements_newest_first(organizer, client, world):
    post_announcement(organizer, world.year, "First", "one")
    post_announcement(organizer, world.year, "Draft only", "not yet", action="draft")
    post_announcement(organizer, world.year, "Second", "*two* <img src=x onerror=alert(1)>")
    client.logout()
    body = client.get(f"/api/years/{world.year.slug}/").json()
    assert [a["title"] for a in body["announcements"]] == ["Second", "First"]
    second = body["announcements"][0]
    assert set(second) == {"id", "title", "body_html", "posted_at"}
    assert "<em>two</em>" in second["body_html"] and "onerror" not in second["body_html"]
    assert "Draft only" not in client.get(reverse("challenge:year-detail", args=[world.year.slug])).content.decode()


@pytest.mark.django_db
def test_a_member_who_opted_out_gets_no_announcement(organizer, world):
    set_email_preference(address=world.bob.email, kind="announcement", receive=False)
    post_announcement(organizer, world.year, "News", "text")
    send_mail()
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "charlie@example.org"]
    assert OutgoingEmail.objects.get(to_address="bob@example.org").status == "skipped"


@pytest.mark.django_db
def test_a_draft_is_mailed_once_when_posted_and_edits_are_audited_not_mailed(organizer, world):
    post_announcement(organizer, world.year, "Draft", "first words", action="draft")
    announcement = Announcement.objects.get()
    send_mail()
    assert mail.outbox == [] and announcement.posted_at is None
    edit = reverse("organize:announcement-edit", args=[world.year.slug, announcement.pk])
    organizer.post(edit, {"title": "Posted", "body": "first words", "action": "post"})
    organizer.post(edit, {"title": "Posted, corrected", "body": "better words", "action": "save"})
    send_mail()
    assert len(mail.outbox) == 3 and all("Posted" in m.subject for m in mail.outbox)
    announcement.refresh_from_db()
    assert announcement.title == "Posted, corrected" and announcement.posted_at is not None
    edited = AuditEntry.objects.get(action="announcement.edit")
    assert edited.details["changes"] == {"title": ["Posted", "Posted, corrected"], "body": ["first words", "better words"]}
    audit = organizer.get(reverse("organize:audit")).content.decode()
    assert "edited the announcement" in audit and "first words</del> → <ins>better words" in audit


@pytest.mark.django_db
def test_a_deleted_announcement_is_gone_and_audited(organizer, client, world):
    post_announcement(organizer, world.year, "Oops", "wrong year")
    announcement = Announcement.objects.get()
    response = organizer.post(reverse("organize:announcement-delete", args=[world.year.slug, announcement.pk]))
    assert response.status_code == 302 and not Announcement.objects.exists()
    assert AuditEntry.objects.filter(action="announcement.delete", target="Oops", year=world.year).exists()
    client.logout()
    assert client.get(f"/api/years/{world.year.slug}/").json()["announcements"] == []


@pytest.mark.django_db
def test_another_years_announcement_cannot_be_edited_through_this_year(organizer, world):
    other = make_year("y2031")
    announcement = Announcement.objects.create(year=other, title="t", body="b")
    url = reverse("organize:announcement-edit", args=[world.year.slug, announcement.pk])
    assert organizer.get(url).status_code == 404
