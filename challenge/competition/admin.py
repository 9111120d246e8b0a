"""The Django admin, for looking things up. Whatever decides a ranking (visibility, dates, task
kinds, team names and bans, ground truth, moderation, final entries) is read-only here: the
organizer pages change it through services that rebuild the boards, audit and write the ledger.
"""

from django.contrib import admin

from challenge.competition import models as competition_models

RANKING_YEAR_FIELDS = ["status", "is_historical", "results_at", "leaderboard_rows", "excluded_display", "class_set"]
RANKING_SPLIT_FIELDS = ["name", "n_images", "visibility", "public_subset_fraction", "public_subset_seed"]


class TaskInline(admin.TabularInline):
    model = competition_models.Task
    extra = 0
    readonly_fields = ["kind"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(competition_models.ChallengeYear)
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
    model = competition_models.Split
    extra = 0
    readonly_fields = RANKING_SPLIT_FIELDS
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(competition_models.Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind"]
    inlines = [SplitInline]
    readonly_fields = ["kind", "year"]

    def has_add_permission(self, request):
        return False  # created on the organizer pages (years, tasks) or by people (teams)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(competition_models.GroundTruth)
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


@admin.register(competition_models.ClassSet)
class ClassSetAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "n_classes"]


@admin.register(competition_models.Synset)
class SynsetAdmin(admin.ModelAdmin):
    list_display = ["ilsvrc_id", "wnid", "words", "is_leaf", "class_set"]
    list_filter = ["class_set", "is_leaf"]
    search_fields = ["wnid", "words"]


@admin.register(competition_models.DeadlineChange)
class DeadlineChangeAdmin(admin.ModelAdmin):
    list_display = ["year", "old_deadline", "new_deadline", "reason", "changed_by", "changed_at"]
    list_filter = ["year"]


