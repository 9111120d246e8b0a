"""Forms of the organizer's team pages."""

from __future__ import annotations

from django import forms

from challenge.widgets import DateTimeLocalInput


class TeamBanForm(forms.Form):
    banned_until = forms.DateTimeField(required=False, widget=DateTimeLocalInput(),
                                       help_text="UTC. Leave empty to lift a ban.")
    reason = forms.CharField(max_length=500, required=False, help_text="Public.")

    def clean(self):
        data = super().clean()
        if data.get("banned_until") and not data.get("reason"):
            self.add_error("reason", "A ban needs a public reason.")
        return data
