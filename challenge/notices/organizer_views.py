"""Organizer pages for a year's announcements: list, write (draft or post), edit, delete."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from challenge.accounts.roles import organizer_required
from challenge.competition import selectors as competition_selectors
from challenge.notices import announcements
from challenge.notices.forms import AnnouncementForm
from challenge.notices.models import Announcement


@require_GET
@organizer_required
def announcement_list(request, slug):
    year = competition_selectors.year_for_organizer(slug=slug)
    rows = year.announcements.select_related("created_by")
    return render(request, "organize/announcements.html", {"year": year, "announcements": rows})


@organizer_required
def announcement_edit(request, slug, pk=None):
    year = competition_selectors.year_for_organizer(slug=slug)
    announcement = get_object_or_404(Announcement, year=year, pk=pk) if pk else None
    initial = {"title": announcement.title, "body": announcement.body} if announcement else None
    form = AnnouncementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        post = request.POST.get("action") == "post"
        announcement = announcements.save_announcement(user=request.user, year=year, announcement=announcement,
                                                       post=post, **form.cleaned_data)
        messages.success(request, "Posted; it is on the year page and goes by e-mail to every team member "
                                  "who has not opted out." if post else "Announcement saved.")
        return redirect("organize:announcements", slug=year.slug)
    context = {"year": year, "announcement": announcement, "form": form}
    return render(request, "organize/announcement_form.html", context, status=400 if form.errors else 200)


@require_POST
@organizer_required
def announcement_delete(request, slug, pk):
    year = competition_selectors.year_for_organizer(slug=slug)
    announcement = get_object_or_404(Announcement, year=year, pk=pk)
    announcements.delete_announcement(user=request.user, announcement=announcement)
    messages.success(request, f"“{announcement.title}” deleted.")
    return redirect("organize:announcements", slug=year.slug)
