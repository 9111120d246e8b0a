"""Forms of the crowd's pages: they validate only."""

from django import forms

from challenge.annotation.models import VerificationTask
from challenge.annotation.services import TASK_FIELDS
from challenge.competition.models import Split, Task

ANSWER_VALUES = {"no": 0, "maybe": 1, "yes": 2}


class InviteForm(forms.Form):
    email = forms.EmailField(label="Invite an annotator (e-mail)")


class TaskForm(forms.ModelForm):
    class Meta:
        model = VerificationTask
        fields = TASK_FIELDS
        labels = {"split": "Split whose labels a published result revises", "min_votes": "Votes per question (at least)",
                  "max_votes": "Votes per question (at most)", "accept_at": "Decided valid at posterior",
                  "reject_at": "Decided invalid at posterior", "gold_share": "Share of gold questions",
                  "stop_below": "Stop annotators below accuracy", "judge_after": "Judge annotators after answers",
                  "threshold": "A label is valid above posterior"}
        help_texts = {"min_votes": "At least 3 (ImageNet's dynamic consensus: 5 by default, more while annotators "
                                   "disagree, up to the most).",
                      "algorithm": "How votes become a posterior per question when you aggregate and publish."}

    def __init__(self, *args, year, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["split"].queryset = Split.objects.filter(task__year=year, task__kind=Task.Kind.CLASSIFICATION) \
            .select_related("task")
        self.fields["split"].required = False


class ArchiveForm(forms.Form):
    archive = forms.FileField(label="Archive of candidate images (zip)", help_text=(
        "The images and manifest.csv, one question a line: file,class[,image][,gold] (class: an id or WNID; "
        "image: the 1-based index of the split's image it shows; gold: yes or no for a question whose answer "
        "is known)."))


class AggregateForm(forms.Form):
    algorithm = forms.ChoiceField(choices=VerificationTask.Algorithm.choices)


class PublishForm(forms.Form):
    aggregation = forms.IntegerField(widget=forms.HiddenInput)
    threshold = forms.FloatField(min_value=0.01, max_value=0.99, label="A label is valid above posterior")


class ReportForm(forms.Form):
    image = forms.IntegerField(min_value=1, label="Image number", help_text="1-based, in the split's image order.")
    proposed = forms.CharField(max_length=500, label="Labels you propose",
                               help_text="Class ids or WNIDs, separated by spaces: every label the image shows.")
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                           label="Why (optional)")
