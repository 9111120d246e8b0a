from django import forms

from challenge.competition.models import Split
from submissions.models import Submission


class SplitSelect(forms.Select):
    """A <select> of splits in which those with no submission left cannot be picked. Only a hint:
    the service still refuses an upload over quota (429) whatever the browser sends."""

    unavailable: dict[int, str] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value and int(str(value)) in self.unavailable:
            option["attrs"]["disabled"] = True
        return option


def _unavailable_label(reason: str) -> str:
    return " — none left now" if reason.startswith("none left") else " — closed now"


class SubmissionForm(forms.Form):
    """Checks what a person typed and the file's size; parsing belongs to the scoring core."""

    split = forms.ModelChoiceField(queryset=Split.objects.none(), empty_label=None, label="Task and split",
                                   widget=SplitSelect)
    # Plain text or gzip; its size is checked against the split's own limit by the service (the
    # request's against the site's ceiling by config.limits, before it is read).
    file = forms.FileField(label="Prediction file", help_text="Plain text in the task's format (below), or the "
                                                              "same compressed with gzip (.gz).")
    entry_name = forms.CharField(max_length=100, help_text="Shown on the leaderboard.")
    external_data = forms.BooleanField(required=False, label="Uses outside training data")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000,
                                  label="Method description", help_text="Markdown, shown with the entry.")
    method_url = forms.URLField(max_length=500, required=False, label="Paper URL", assume_scheme="https")
    code_url = forms.URLField(max_length=500, required=False, label="Code URL", assume_scheme="https")

    def __init__(self, *args, year, unavailable: dict[int, str] | None = None, check_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # A file can be checked before it has a name.
        self.fields["entry_name"].required = not check_only
        unavailable = unavailable or {}
        field = self.fields["split"]
        field.queryset = Split.objects.filter(task__year=year).select_related("task").order_by("task__position", "-name")
        splits = list(field.queryset)
        field.label_from_instance = lambda s: (f"{s.task.title}: {s.get_name_display()} ({s.n_images:,} "
                                               + ("images" if s.task.kind == s.task.Kind.DETECTION else "lines") + ")"
                                               + (_unavailable_label(unavailable[s.pk]) if s.pk in unavailable else ""))
        field.widget.unavailable = unavailable
        available = [s for s in splits if s.pk not in unavailable]
        if available:
            field.initial = available[0].pk
        field.help_text = " ".join(f"{s.task.title}, {s.get_name_display()}: {unavailable[s.pk]}."
                                   for s in splits if s.pk in unavailable)


class EntryForm(forms.Form):
    """An entry's name, method description and links, as its team may edit them before the deadline."""

    entry_name = forms.CharField(max_length=100)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000,
                                  label="Method description")
    method_url = forms.URLField(max_length=500, required=False, label="Paper URL", assume_scheme="https")
    code_url = forms.URLField(max_length=500, required=False, label="Code URL", assume_scheme="https")


class FinalEntriesForm(forms.Form):
    """Which of the team's scored submissions on one split are its final entries."""

    submissions = forms.TypedMultipleChoiceField(coerce=int, required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, team, split, **kwargs):
        super().__init__(*args, **kwargs)
        own = Submission.objects.eligible_for_final().filter(team=team, split=split)
        self.fields["submissions"].choices = [(s.pk, s.entry_name) for s in own]
