"""Forms of the challenge pages. They only validate; services do the writing."""

from django import forms
from django.conf import settings

from challenge.models import ChallengeYear, Split, Task
from challenge.services import SPLIT_FIELDS, TASK_FIELDS, YEAR_FIELDS


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


TEXTAREA = forms.Textarea(attrs={"rows": 6})


class YearForm(forms.ModelForm):
    deadline_reason = forms.CharField(
        max_length=500, required=False, label="Reason for a deadline change",
        help_text="Shown in the deadline history when the deadline changes.",
    )

    class Meta:
        model = ChallengeYear
        fields = YEAR_FIELDS
        widgets = {
            "opens_at": DateTimeLocalInput(), "deadline": DateTimeLocalInput(), "results_at": DateTimeLocalInput(),
            "description": TEXTAREA, "rules": TEXTAREA, "terms_of_access": TEXTAREA,
        }
        help_texts = {"opens_at": "UTC.", "deadline": "UTC. Changes are kept in the deadline history.",
                      "results_at": "UTC."}

    def clean(self):
        data = super().clean()
        opens, deadline, results = data.get("opens_at"), data.get("deadline"), data.get("results_at")
        if opens and deadline and deadline < opens:
            self.add_error("deadline", "The deadline must come after the opening.")
        if deadline and results and results < deadline:
            self.add_error("results_at", "Results are announced after the deadline.")
        return data


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = TASK_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, year: ChallengeYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        others = Task.objects.filter(year=self.year, slug=slug).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("This year already has a task with this slug.")
        return slug


class SplitForm(forms.ModelForm):
    class Meta:
        model = Split
        fields = SPLIT_FIELDS
        labels = {"quota_per_window": "Submissions per window", "quota_window_days": "Window (days)",
                  "quota_total": "Total submissions", "max_final_entries": "Final entries a team may select"}

    def clean(self):
        data = super().clean()
        fraction = data.get("public_subset_fraction")
        if fraction is not None and not 0 < fraction < 1:
            self.add_error("public_subset_fraction", "Between 0 and 1, exclusive.")
        if data.get("quota_window_days") == 0:
            self.add_error("quota_window_days", "At least one day.")
        return data


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


class ClassSearchForm(forms.Form):
    q = forms.CharField(max_length=100, required=False, label="Search classes by word or WNID")


class TeamBanForm(forms.Form):
    banned_until = forms.DateTimeField(required=False, widget=DateTimeLocalInput(),
                                       help_text="UTC. Leave empty to lift a ban.")
    reason = forms.CharField(max_length=500, required=False, help_text="Public.")

    def clean(self):
        data = super().clean()
        if data.get("banned_until") and not data.get("reason"):
            self.add_error("reason", "A ban needs a public reason.")
        return data


class QuotaAdjustmentForm(forms.Form):
    split = forms.ModelChoiceField(queryset=Split.objects.none(), empty_label=None)
    extra_per_window = forms.IntegerField(min_value=-1000, max_value=1000, initial=0,
                                          help_text="Positive raises, negative lowers.")
    extra_total = forms.IntegerField(min_value=-1000, max_value=1000, initial=0)
    reason = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, year: ChallengeYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["split"].queryset = Split.objects.filter(task__year=year).select_related("task")
