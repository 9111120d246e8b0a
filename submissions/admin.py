"""The Django admin, for looking submissions up. Everything here decides a ranking, a quota
or the ledger, so it is read-only: the organizer pages moderate entries through services that
rebuild the boards, audit and write the ledger; teams choose final entries on their own page."""

from django.contrib import admin

from submissions.models import IntegrityFlag, QuotaAdjustment, RescoringJob, Score, Submission


class ScoreInline(admin.TabularInline):
    model = Score
    extra = 0
    can_delete = False
    fields = ["is_current", "images", "top1_error", "top5_error", "localization_error", "hierarchical_error", "created_at"]
    readonly_fields = fields


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["pk", "entry_name", "team", "split", "status", "created_at", "disqualified"]
    list_filter = ["status", "split__task__year"]
    search_fields = ["entry_name", "team__name", "file_sha256"]
    inlines = [ScoreInline]
    readonly_fields = [field.name for field in Submission._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IntegrityFlag)
class IntegrityFlagAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "created_at"]
    list_filter = ["kind"]


@admin.register(RescoringJob)
class RescoringJobAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "created_at"]
    readonly_fields = [field.name for field in RescoringJob._meta.fields]


@admin.register(QuotaAdjustment)
class QuotaAdjustmentAdmin(admin.ModelAdmin):
    list_display = ["team", "split", "extra_per_window", "extra_total", "reason", "created_by"]
