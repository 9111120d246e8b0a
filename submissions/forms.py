from django import forms
from django.conf import settings

from challenge.models import Split
from submissions.models import Submission


class SubmissionForm(forms.Form):
    """Checks what a person typed and the file's size; parsing belongs to the scoring core."""

    split = forms.ModelChoiceField(queryset=Split.objects.none(), empty_label=None, label="Task and split")
    entry_name = forms.CharField(max_length=100)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000,
                                  label="Method description")
    external_data = forms.BooleanField(required=False, label="Uses outside training data")
    file = forms.FileField(label="Prediction file")

    def __init__(self, *args, year, **kwargs):
        super().__init__(*args, **kwargs)
        splits = Split.objects.filter(task__year=year).select_related("task").order_by("task__position", "-name")
        self.fields["split"].queryset = splits
        self.fields["split"].label_from_instance = lambda s: f"{s.task.title}: {s.get_name_display()}"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is larger than {settings.MAX_UPLOAD_BYTES:,} bytes.")
        return upload


class FinalEntriesForm(forms.Form):
    """Which of the team's scored submissions on one split are its final entries."""

    submissions = forms.TypedMultipleChoiceField(coerce=int, required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, team, split, **kwargs):
        super().__init__(*args, **kwargs)
        own = Submission.objects.scored().filter(team=team, split=split)
        self.fields["submissions"].choices = [(s.pk, s.entry_name) for s in own]
