"""The Django admin, for looking things up. Whatever decides a ranking (visibility, dates, task
kinds, team names and bans, ground truth, moderation, final entries) is read-only here: the
organizer pages change it through services that rebuild the boards, audit and write the ledger.
"""

from django.contrib import admin

from challenge import models

RANKING_YEAR_FIELDS = ["status", "is_historical", "results_at", "leaderboard_rows", "excluded_display", "class_set"]
RANKING_SPLIT_FIELDS = ["name", "n_images", "visibility", "public_subset_fraction", "public_subset_seed"]


class TaskInline(admin.TabularInline):
    model = models.Task
    extra = 0
    readonly_fields = ["kind"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.ChallengeYear)
class ChallengeYearAdmin(admin.ModelAdmin):
    list_display = ["slug", "title", "status", "deadline", "results_at"]
    list_filter = ["status", "is_historical"]
    inlines = [TaskInline]
    readonly_fields = [*RANKING_YEAR_FIELDS, "deadline"]  # a deadline change keeps its reason: organizer pages

    def has_add_permission(self, request):
        return False  # created on the organizer pages (years, tasks) or by people (teams)

    def has_delete_permission(self, request, obj=None):
        return False


class SplitInline(admin.StackedInline):
    model = models.Split
    extra = 0
    readonly_fields = RANKING_SPLIT_FIELDS
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind"]
    inlines = [SplitInline]
    readonly_fields = ["kind", "year"]

    def has_add_permission(self, request):
        return False  # created on the organizer pages (years, tasks) or by people (teams)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.GroundTruth)
class GroundTruthAdmin(admin.ModelAdmin):
    # Keys and hashes only: the admin never shows or serves the answers themselves. A version is
    # replaced on the organizer pages, which validate it and rescore the split.
    list_display = ["split", "labels_sha256", "is_current", "uploaded_at"]
    readonly_fields = ["split", "labels_key", "labels_sha256", "boxes_key", "boxes_sha256", "blacklist_key",
                       "blacklist_sha256", "is_current", "uploaded_by", "uploaded_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(models.Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "year", "affiliation", "banned_until"]
    list_filter = ["year"]
    search_fields = ["name", "affiliation"]
    inlines = [MembershipInline]
    # Names are on the boards and bans decide who is ranked: the organizer pages change them.
    readonly_fields = ["name", "year", "banned_until", "ban_reason"]

    def has_add_permission(self, request):
        return False  # created on the organizer pages (years, tasks) or by people (teams)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.ClassSet)
class ClassSetAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "n_classes"]


@admin.register(models.Synset)
class SynsetAdmin(admin.ModelAdmin):
    list_display = ["ilsvrc_id", "wnid", "words", "is_leaf", "class_set"]
    list_filter = ["class_set", "is_leaf"]
    search_fields = ["wnid", "words"]


@admin.register(models.DataFile)
class DataFileAdmin(admin.ModelAdmin):
    list_display = ["filename", "year", "size", "sha256", "created_at"]
    list_filter = ["year"]
    # Size and hash describe what is in storage; they are computed, never typed.
    readonly_fields = ["size", "sha256"]


@admin.register(models.AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "target", "year"]
    list_filter = ["action", "year"]
    search_fields = ["target", "action"]

    # The audit log is a record: nobody edits or deletes it, not even in the admin.
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.DeadlineChange)
class DeadlineChangeAdmin(admin.ModelAdmin):
    list_display = ["year", "old_deadline", "new_deadline", "reason", "changed_by", "changed_at"]
    list_filter = ["year"]


@admin.register(models.QuotaAdjustment)
class QuotaAdjustmentAdmin(admin.ModelAdmin):
    list_display = ["team", "split", "extra_per_window", "extra_total", "reason", "created_by"]


@admin.register(models.TermsAcceptance)
class TermsAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["user", "year", "accepted_at"]
    list_filter = ["year"]
