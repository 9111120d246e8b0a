"""The Django admin of teams, for looking them up (names and bans change on the organizer pages)."""

from __future__ import annotations

from django.contrib import admin

from challenge.teams import models as team_models


class MembershipInline(admin.TabularInline):
    model = team_models.Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(team_models.Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "year", "affiliation", "banned_until"]
    list_filter = ["year"]
    search_fields = ["name", "affiliation"]
    inlines = [MembershipInline]
    # Names are on the boards and bans decide who is ranked and who may take part: the organizer
    # pages change them. The old team-wide link only lets the join page say what to do instead.
    readonly_fields = ["name", "year", "banned_until", "banned_at", "ban_reason", "invite_token"]

    def has_add_permission(self, request):
        return False  # created on the organizer pages (years, tasks) or by people (teams)

    def has_delete_permission(self, request, obj=None):
        return False
