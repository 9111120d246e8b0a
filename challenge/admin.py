from django.contrib import admin

from challenge import models


class TaskInline(admin.TabularInline):
    model = models.Task
    extra = 0


@admin.register(models.ChallengeYear)
class ChallengeYearAdmin(admin.ModelAdmin):
    list_display = ["slug", "title", "status", "deadline", "results_at"]
    list_filter = ["status", "is_historical"]
    inlines = [TaskInline]


class SplitInline(admin.StackedInline):
    model = models.Split
    extra = 0


@admin.register(models.Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind"]
    inlines = [SplitInline]


@admin.register(models.GroundTruth)
class GroundTruthAdmin(admin.ModelAdmin):
    # Keys and hashes only: the admin never shows or serves the answers themselves.
    list_display = ["split", "labels_sha256", "is_current", "uploaded_at"]
    readonly_fields = ["labels_key", "labels_sha256", "boxes_key", "boxes_sha256", "blacklist_key", "blacklist_sha256"]


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


@admin.register(models.ClassSet)
class ClassSetAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "n_classes"]


@admin.register(models.Synset)
class SynsetAdmin(admin.ModelAdmin):
    list_display = ["ilsvrc_id", "wnid", "words", "is_leaf", "class_set"]
    list_filter = ["class_set", "is_leaf"]
    search_fields = ["wnid", "words"]


admin.site.register([models.DataFile, models.AuditEntry, models.DeadlineChange, models.QuotaAdjustment,
                     models.TermsAcceptance])
