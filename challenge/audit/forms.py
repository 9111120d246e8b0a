"""The audit log's filter form."""

from __future__ import annotations

from django import forms

from challenge.audit.selectors import KINDS, audit_people
from challenge.competition.models import ChallengeYear


class AuditFilterForm(forms.Form):
    """The audit log's filters, by slug and username so that links read well (?year=demo&person=olivia)."""

    year = forms.ModelChoiceField(queryset=ChallengeYear.objects.order_by("-slug"), to_field_name="slug",
                                  required=False, empty_label="Every year")
    kind = forms.ChoiceField(choices=[("", "Every kind"), *KINDS.items()], required=False)
    person = forms.ModelChoiceField(queryset=audit_people(), to_field_name="username", required=False,
                                    empty_label="Everyone")
