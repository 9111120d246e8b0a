"""Forms of the challenge pages. They only validate; services do the writing."""

from django import forms
from django.conf import settings

from challenge.competition.models import ChallengeYear, Split, Task
from challenge.competition.services import SPLIT_FIELDS, TASK_FIELDS, YEAR_FIELDS
from challenge.widgets import TEXTAREA, DateTimeLocalInput, TextareaField


class YearForm(forms.ModelForm):
    """A new year. Editing one uses YearEditForm, which also asks why a deadline moved."""

    class Meta:
        model = ChallengeYear
        fields = YEAR_FIELDS
        widgets = {
            "opens_at": DateTimeLocalInput(), "deadline": DateTimeLocalInput(), "results_at": DateTimeLocalInput(),
            "description": TEXTAREA, "rules": TEXTAREA, "terms_of_access": TEXTAREA,
        }
        help_texts = {"opens_at": "UTC.", "deadline": "UTC. Changes are kept in the deadline history.",
                      "results_at": "UTC."}
        field_classes = {"description": TextareaField, "rules": TextareaField, "terms_of_access": TextareaField}

    def clean(self):
        data = super().clean()
        for name in ("opens_at", "deadline", "results_at"):
            # The widget shows minutes: a stored time with seconds comes back cut to the minute,
            # which is no change at all.
            stored = self.initial.get(name)
            if stored and data.get(name) == stored.replace(second=0, microsecond=0):
                data[name] = stored
        opens, deadline, results = data.get("opens_at"), data.get("deadline"), data.get("results_at")
        if opens and deadline and deadline < opens:
            self.add_error("deadline", "The deadline must come after the opening.")
        if deadline and results and results < deadline:
            self.add_error("results_at", "Results are announced after the deadline.")
        return data


class YearEditForm(YearForm):
    # The reason sits right under the deadline it explains.
    field_order = [*YEAR_FIELDS[:YEAR_FIELDS.index("deadline") + 1], "deadline_reason"]
    deadline_reason = forms.CharField(
        max_length=500, required=False, label="Reason for the deadline change",
        help_text="Only when you change the deadline: teams see it in the deadline history, and a drafted "
                  "announcement tells them.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        reason = self.fields["deadline_reason"]
        reason.show_when_changed = self["deadline"].auto_id
        reason.unchanged_value = self.fields["deadline"].widget.format_value(self.initial.get("deadline")) or ""

    def deadline_changed(self) -> bool:
        return self.cleaned_data.get("deadline") != self.initial.get("deadline")

    def clean(self):
        data = super().clean()
        if not self.deadline_changed():
            data["deadline_reason"] = ""  # nothing moved: a reason left in the field means nothing
        elif not data.get("deadline_reason", "").strip() and "deadline" not in self.errors:
            self.add_error("deadline_reason", "Say why the deadline changes; teams see the reason.")
        return data


class YearCopyForm(forms.Form):
    """A new year made from an existing one: its slug and title."""

    slug = forms.SlugField(max_length=50, help_text="The new year's address, e.g. 2031.")
    title = forms.CharField(max_length=200)


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = TASK_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        field_classes = {"description": TextareaField}

    def __init__(self, *args, year: ChallengeYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year
        self.fields["class_set"].empty_label = f"The year's ({year.class_set})"
        self.fields["class_set"].help_text = ("Detection is scored on its own classes (import the 200 ILSVRC DET "
                                              "classes on the Class sets page); other tasks use the year's.")

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        others = Task.objects.filter(year=self.year, slug=slug).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("This year already has a task with this slug.")
        return slug


class SplitForm(forms.ModelForm):
    """One split of a task. Fields that do not apply are not asked (labels of a test split are
    never public) or are ignored (the subset fraction unless the split shows a public subset)."""

    class Meta:
        model = Split
        fields = SPLIT_FIELDS
        labels = {"quota_per_window": "Submissions per window", "quota_window_days": "Window (days)",
                  "quota_total": "Total submissions", "max_final_entries": "Final entries a team may select"}

    def __init__(self, *args, split_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        if split_name != Split.Name.VAL:
            del self.fields["labels_public"]  # test labels stay hidden: the model's False stands
        fraction = self.fields["public_subset_fraction"]
        fraction.required = False
        fraction.help_text = ("Only for a live public subset: the share of the images scored live; "
                              "the rest decides the final ranking.")
        fraction.show_when = f"{self['visibility'].auto_id}={Split.Visibility.PUBLIC_SUBSET}"

    def clean(self):
        data = super().clean()
        if data.get("visibility") == Split.Visibility.PUBLIC_SUBSET:
            fraction = data.get("public_subset_fraction")
            if fraction is None and "public_subset_fraction" not in self.errors:
                self.add_error("public_subset_fraction", "A public subset needs its fraction, between 0 and 1.")
            elif fraction is not None and not 0 < fraction < 1:
                self.add_error("public_subset_fraction", "Between 0 and 1, exclusive.")
        else:
            # Does not apply: the stored fraction (or the default) stays, whatever was sent.
            data.pop("public_subset_fraction", None)
            self.errors.pop("public_subset_fraction", None)
        if data.get("quota_window_days") == 0:
            self.add_error("quota_window_days", "At least one day.")
        return data


class ClassSearchForm(forms.Form):
    q = forms.CharField(max_length=100, required=False, label="Search classes by word or WNID")


class ClassSetImportForm(forms.Form):
    """A class set from a devkit's files: a meta.mat, or a synsets TSV with its is-a edges."""

    slug = forms.SlugField(max_length=50, help_text="A new slug, or an existing one to refresh that class set.")
    name = forms.CharField(max_length=200)
    meta_mat = forms.FileField(required=False, label="meta.mat",
                               help_text="An ILSVRC devkit's data/meta.mat. Or give the two TSV files instead.")
    synsets = forms.FileField(required=False, label="synsets.tsv",
                              help_text="First column the synset id (leaves 1..n), then wnid and wordnet_height "
                                        "(words, gloss, num_train_images optional).")
    edges = forms.FileField(required=False, label="is_a_edges.tsv", help_text="parent_id and child_id columns.")

    def clean(self):
        data = super().clean()
        given = [name for name in ("meta_mat", "synsets", "edges") if data.get(name)]
        if given not in (["meta_mat"], ["synsets", "edges"]):
            raise forms.ValidationError("Give either a meta.mat, or both synsets.tsv and is_a_edges.tsv.")
        limit = settings.CLASS_SET_MAX_UPLOAD_BYTES
        for name in given:
            if data[name].size > limit:
                self.add_error(name, f"The file is larger than {limit:,} bytes.")
        return data
