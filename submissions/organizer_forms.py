"""Forms of the organizer pages of submissions. They only validate."""

from django import forms
from django.conf import settings


class GroundTruthForm(forms.Form):
    labels = forms.FileField(label="Labels", help_text="One class id (or WNID) per line, in image order.")
    boxes = forms.FileField(required=False, label="Boxes (localization only)",
                            help_text="CSV rows ImageId,PredictionString of label xmin ymin xmax ymax.")
    blacklist = forms.FileField(required=False, label="Blacklist (optional)",
                                help_text="1-based indices of images left out of scoring, one per line.")

    def clean(self):
        data = super().clean()
        for name in ("labels", "boxes", "blacklist"):
            upload = data.get(name)
            if upload and upload.size > settings.MAX_UPLOAD_BYTES:
                self.add_error(name, f"The file is larger than {settings.MAX_UPLOAD_BYTES:,} bytes.")
        return data


class ModerationForm(forms.Form):
    disqualified = forms.BooleanField(required=False, label="Disqualified")
    disqualified_reason = forms.CharField(max_length=500, required=False, label="Public reason for the disqualification")
    not_comparable = forms.BooleanField(required=False, label="Not directly comparable")
    not_comparable_reason = forms.CharField(max_length=500, required=False, label="Why it is not comparable")
