"""The organizer's announcement form."""

from __future__ import annotations

from django import forms

from challenge.widgets import TextareaField


class AnnouncementForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = TextareaField(widget=forms.Textarea(attrs={"rows": 10}), max_length=20000,
                           help_text="Markdown; raw HTML is removed when shown.")
