"""The Django admin of hosted data files and terms acceptances."""

from __future__ import annotations

from django.contrib import admin

from challenge.datafiles import models as datafile_models


@admin.register(datafile_models.DataFile)
class DataFileAdmin(admin.ModelAdmin):
    list_display = ["filename", "year", "size", "sha256", "created_at"]
    list_filter = ["year"]
    # Size and hash describe what is in storage; they are computed, never typed.
    readonly_fields = ["size", "sha256"]


@admin.register(datafile_models.TermsAcceptance)
class TermsAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["user", "year", "accepted_at"]
    list_filter = ["year"]
