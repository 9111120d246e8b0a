"""The Django admin of hosted data files and terms acceptances."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from challenge.audit.services import record_audit
from challenge.datafiles import models as datafile_models
from challenge.datafiles import services as datafile_services


class DataFileAdminForm(forms.ModelForm):
    """The admin's form of a data file, under the organizer pages' guard: its key must name a
    hosted file under data/ (never ground truth or a submission), and a file identical to hidden
    ground truth is refused; size and SHA-256 are read from storage, never typed."""

    class Meta:
        model = datafile_models.DataFile
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        key = cleaned.get("storage_key")
        if key is None:
            return cleaned
        key = key.strip().lstrip("/")
        if refusal := datafile_models.hosted_key_refusal(key):
            self.add_error("storage_key", refusal)
        elif self.instance.pk is None or key != self.instance.storage_key or "storage_key" in self.changed_data:
            # Read (and hash) the file only when the key is new: an archive may be hundreds of GB.
            try:
                key, size, sha256 = datafile_services.stored_data_file(storage_key=key)
            except ValueError as refused:
                self.add_error("storage_key", str(refused))
            else:
                cleaned["storage_key"] = key
                self.instance.size, self.instance.sha256 = size, sha256
        return cleaned


@admin.register(datafile_models.DataFile)
class DataFileAdmin(admin.ModelAdmin):
    form = DataFileAdminForm
    list_display = ["filename", "year", "size", "sha256", "created_at"]
    list_filter = ["year"]
    # Size and hash describe what is in storage; they are computed, never typed.
    readonly_fields = ["size", "sha256"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record_audit(actor=request.user, action="datafile.admin_change" if change else "datafile.admin_add",
                     target=obj.filename, year=obj.year, obj=obj, storage_key=obj.storage_key, size=obj.size,
                     sha256=obj.sha256)


@admin.register(datafile_models.TermsAcceptance)
class TermsAcceptanceAdmin(admin.ModelAdmin):
    list_display = ["user", "year", "accepted_at"]
    list_filter = ["year"]
