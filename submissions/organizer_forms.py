"""Forms of the organizer pages of submissions. They only validate."""

from django import forms

from challenge.competition.models import ChallengeYear, Split
from challenge.widgets import DateTimeLocalInput
from challenge.teams.models import Team
from submissions.models import Submission
from submissions.moderation import BulkAction


class GroundTruthForm(forms.Form):
    """A split's hidden labels, with the boxes file when (and only when) the task has boxes
    (localization, detection). For detection the "labels" are the image list. Each file may be
    gzip; its size is checked against the split's limit by the service."""

    labels = forms.FileField(label="Labels", help_text="One class id (or WNID) per line, in image order.")
    # Required for localization; the service says so in its own words (see validate_ground_truth).
    boxes = forms.FileField(required=False, label="Boxes",
                            help_text="CSV rows ImageId,PredictionString of label xmin ymin xmax ymax.")
    blacklist = forms.FileField(required=False, label="Blacklist (optional)",
                                help_text="1-based indices of images left out of scoring, one per line.")

    def __init__(self, *args, localization: bool, detection: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if detection:
            self.fields["labels"].label = "Image list"
            self.fields["labels"].help_text = "One image a line: its name and its 1-based index (the devkit's val.txt)."
            self.fields["boxes"].help_text = ("CSV rows ImageId,PredictionString of wnid xmin ymin xmax ymax; "
                                              "an image with no object has an empty string.")
            self.fields["blacklist"].help_text = ("(image, class) pairs whose detections and boxes are ignored: "
                                                  "an image index and a class id or WNID a line.")
        elif not localization:
            del self.fields["boxes"]


class RevisedLabelsForm(forms.Form):
    """A classification split's revised labels (several valid labels per image, images left out)."""

    revised = forms.FileField(label="Revised labels", help_text=(
        "The real.json layout (a JSON list with one list per image of 0-based class indices in sorted-WNID "
        "order, an empty list leaving the image out), or one line per image of its valid class ids or WNIDs "
        "separated by spaces, an empty line leaving the image out. Plain text or gzip."))
    source = forms.CharField(max_length=400, required=False, label="Where they come from (public)",
                             help_text="For example: Beyer et al. 2020, \"Are we done with ImageNet?\".")


class RetireClassesForm(forms.Form):
    """Classes to retire from a year, with the public reason."""

    classes = forms.CharField(label="Classes to retire", widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="Class ids or WNIDs of the year's class set, separated by spaces, commas or lines.")
    reason = forms.CharField(max_length=2000, label="Public reason", widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Shown on the year page, for example: the person subtree was filtered "
                                       "(offensive and non-imageable synsets), as ImageNet did in 2019.")

    def clean_classes(self) -> list[str]:
        tokens = [t for t in self.cleaned_data["classes"].replace(",", " ").split() if t]
        if not tokens:
            raise forms.ValidationError("Name at least one class.")
        return tokens


class ModerationForm(forms.Form):
    disqualified = forms.BooleanField(required=False, label="Disqualified")
    disqualified_reason = forms.CharField(max_length=500, required=False, label="Public reason for the disqualification")
    not_comparable = forms.BooleanField(required=False, label="Not directly comparable")
    not_comparable_reason = forms.CharField(max_length=500, required=False, label="Why it is not comparable")


class RescoreForm(forms.Form):
    split = forms.ModelChoiceField(queryset=Split.objects.none(), empty_label=None, label="Split")
    reason = forms.CharField(max_length=500, label="Why (for the audit log)",
                             help_text="For example: the scorer changed in release 1.4 (top-5 ties).")

    def __init__(self, *args, year, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["split"].queryset = (Split.objects.filter(task__year=year, ground_truths__is_current=True)
                                         .select_related("task").order_by("task__position", "task__slug", "-name"))


class EntryFilterForm(forms.Form):
    """The entries page's filters; every one is optional."""

    MODERATION = [("", "Any"), ("disqualified", "Disqualified"), ("not_comparable", "Not directly comparable"),
                  ("clean", "Neither")]

    split = forms.ModelChoiceField(queryset=Split.objects.none(), required=False, empty_label="Any")
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="Any")
    status = forms.ChoiceField(choices=[("", "Any"), *Submission.Status.choices], required=False)
    moderation = forms.ChoiceField(choices=MODERATION, required=False)

    def __init__(self, *args, year, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["split"].queryset = Split.objects.filter(task__year=year).select_related("task")
        self.fields["team"].queryset = Team.objects.filter(year=year)


class BulkModerationForm(forms.Form):
    entries = forms.ModelMultipleChoiceField(queryset=Submission.objects.none(),
                                             error_messages={"required": "Tick the entries to change."})
    action = forms.ChoiceField(choices=BulkAction.CHOICES)
    reason = forms.CharField(max_length=500, required=False, help_text="Public; one reason for every ticked entry.")

    def __init__(self, *args, year, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entries"].queryset = Submission.objects.filter(split__task__year=year).select_related("split")


class QuotaAdjustmentForm(forms.Form):
    split = forms.ModelChoiceField(queryset=Split.objects.none(), empty_label=None)
    extra_per_window = forms.IntegerField(min_value=-1000, max_value=1000, initial=0,
                                          help_text="Positive raises, negative lowers.")
    extra_total = forms.IntegerField(min_value=-1000, max_value=1000, initial=0)
    reason = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, year: ChallengeYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["split"].queryset = Split.objects.filter(task__year=year).select_related("task")


class QuotaPoolForm(forms.Form):
    """Teams (two or more) that are to draw on one shared budget, on the chosen splits."""

    teams = forms.ModelMultipleChoiceField(queryset=Team.objects.none(), widget=forms.CheckboxSelectMultiple)
    splits = forms.ModelMultipleChoiceField(queryset=Split.objects.none(), widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(max_length=500, help_text="For the audit log, e.g. the signal that showed it.")

    def __init__(self, *args, year: ChallengeYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = Team.objects.filter(year=year)
        self.fields["splits"].queryset = Split.objects.filter(task__year=year).select_related("task")

    def clean_teams(self):
        teams = self.cleaned_data["teams"]
        if len(teams) < 2:
            raise forms.ValidationError("Tick two teams or more.")
        return teams


class TeamsBanForm(forms.Form):
    """Several teams banned at once, until one time, with one public reason."""

    teams = forms.ModelMultipleChoiceField(queryset=Team.objects.none(), widget=forms.CheckboxSelectMultiple)
    banned_until = forms.DateTimeField(widget=DateTimeLocalInput(), help_text="UTC.")
    ban_reason = forms.CharField(max_length=500, help_text="Public: shown beside the teams' entries.")

    def __init__(self, *args, year: ChallengeYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = Team.objects.filter(year=year)
