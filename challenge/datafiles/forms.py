"""Forms of hosted data: the organizer's upload and registration, and the terms of access."""

from __future__ import annotations

from django import forms
from django.conf import settings


class DataFileUploadForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)
    file = forms.FileField()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.DATA_FILE_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is larger than {limit:,} bytes; put it in the bucket and register its storage key."
            )
        return upload


class DataFileRegisterForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)
    storage_key = forms.CharField(max_length=500, help_text="The object's key in storage, under data/.")
    filename = forms.CharField(max_length=255, required=False,
                               help_text="The name a downloader's browser saves; default: the key's last part.")

    def clean_filename(self):
        filename = self.cleaned_data["filename"]
        if "/" in filename or "\\" in filename:
            raise forms.ValidationError("A file name, not a path.")
        return filename


class TermsForm(forms.Form):
    accept = forms.BooleanField(label="I accept the terms of access")
