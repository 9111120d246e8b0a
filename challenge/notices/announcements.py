"""Announcements of a year: drafted, posted (shown on the year page and in the API, e-mailed to
every member of every team of the year), edited and deleted by organizers; each step audited."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from challenge.audit.services import audit_changes, record_audit
from challenge.competition.models import ChallengeYear
from challenge.notices.mail import Mail, queue_emails, site_url
from challenge.notices.models import Announcement, EmailKind
from challenge.teams.models import Membership


def members_of_year(*, year: ChallengeYear) -> list:
    """Every person in a team of the year (one team per person per year), by username."""
    ids = Membership.objects.filter(year=year).values("user_id")
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("username"))


def posted_announcements(*, year: ChallengeYear):
    return year.announcements.posted()


@transaction.atomic
def save_announcement(*, user, year: ChallengeYear, title: str, body: str, post: bool,
                      announcement: Announcement | None = None) -> Announcement:
    """Create or edit an announcement; with `post`, a draft is posted and e-mailed to the teams.

    A posted announcement stays posted when edited, and is not e-mailed again.
    """
    now = timezone.now()
    if announcement is None:
        announcement = Announcement.objects.create(year=year, title=title, body=body, created_by=user,
                                                   created_at=now, updated_at=now)
        before = {}
    else:
        before = {"title": announcement.title, "body": announcement.body}
        announcement.title, announcement.body, announcement.updated_at = title, body, now
    posting = post and not announcement.is_posted()
    if posting:
        announcement.posted_at = now
    announcement.save()
    if posting:
        _email_teams(announcement)
    action = "announcement.post" if posting else "announcement.edit" if before else "announcement.draft"
    record_audit(actor=user, action=action, year=year, obj=announcement,
                 changes=audit_changes(before=before, after={"title": title, "body": body}) if before else {})
    return announcement


def delete_announcement(*, user, announcement: Announcement) -> None:
    """Delete an announcement (a draft, or a posted one taken back); its title stays in the audit log."""
    record_audit(actor=user, action="announcement.delete", year=announcement.year, obj=announcement,
                 was_posted=announcement.is_posted())
    announcement.delete()


def _email_teams(announcement: Announcement) -> int:
    year = announcement.year
    context = {"announcement": announcement, "year": year,
               "year_url": site_url(reverse("challenge:year-detail", args=[year.slug]))}
    return queue_emails([
        Mail(kind=EmailKind.ANNOUNCEMENT, to=person.email, user=person, template="announcement", context=context,
             once_key=f"announcement:{announcement.pk}:{person.pk}")
        for person in members_of_year(year=year) if person.email
    ])


def draft_deadline_announcement(*, user, year: ChallengeYear, old_deadline: datetime | None,
                                new_deadline: datetime | None, reason: str) -> Announcement:
    """A draft telling the teams that the deadline moved, and why, for the organizer to review and post."""
    was = f" (it was {old_deadline:%-d %B %Y, %H:%M} UTC)" if old_deadline else ""
    if new_deadline:
        when = f"{new_deadline:%A %-d %B %Y, %H:%M} UTC"
        title, news = f"The deadline is now {when}", f"The submission deadline of {year.title} is now **{when}**"
    else:
        title, news = "The deadline is lifted for now", f"{year.title} has no submission deadline for now"
    body = f"{news}{was}.\n\n{reason}\n"
    return save_announcement(user=user, year=year, title=title, body=body, post=False)
