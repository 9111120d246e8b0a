"""Form widgets and fields shared by the organizer forms of several areas."""

from __future__ import annotations

from django import forms
from django.utils.text import normalize_newlines


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


TEXTAREA = forms.Textarea(attrs={"rows": 6})


class TextareaField(forms.CharField):
    """Multi-line text with the line ends it is stored with: browsers send CRLF, which would make
    every save of an unchanged description look like an edit (and fill the audit log)."""

    def to_python(self, value):
        return normalize_newlines(super().to_python(value))
