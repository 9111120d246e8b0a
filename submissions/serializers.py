"""API serializers: they validate input and shape output; the rules live in services."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from challenge.competition.models import Split
from submissions import selectors
from submissions.models import Submission


class SubmissionCreateSerializer(serializers.Serializer):
    year = serializers.SlugField()
    task = serializers.SlugField()
    split = serializers.ChoiceField(choices=Split.Name.values)
    # Plain text or gzip; its size is checked against the split's own limit by the service
    # (the request's against the site's ceiling by config.limits, before it is read).
    file = serializers.FileField(help_text="The prediction file: plain text, or gzip-compressed (found by its "
                                           "first bytes, whatever its name).")
    entry = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    external_data = serializers.BooleanField(required=False, default=False)


class ScoresSerializer(serializers.Serializer):
    basis = serializers.CharField(help_text="Which images the scores are on: all, public (subset) or ladder (the "
                                            "Ladder's released primary score alone).")
    ladder_accepted = serializers.BooleanField(allow_null=True)
    top1_error = serializers.FloatField(required=False)
    top5_error = serializers.FloatField(required=False)
    localization_error = serializers.FloatField(required=False)
    hierarchical_error = serializers.FloatField(required=False)
    mean_average_precision = serializers.FloatField(required=False, help_text="Detection tasks (higher is better).")
    intervals = serializers.DictField(child=serializers.ListField(child=serializers.FloatField()),
                                      help_text="95% bootstrap confidence interval per metric (none on a Ladder).")
    decimals = serializers.IntegerField(help_text="The decimals the scores are rounded to: 5, or on a Ladder its "
                                                  "step (docs/leaderboards.md).")
    warnings = serializers.ListField(child=serializers.CharField(), help_text=(
        "Hints from the scoring engine (e.g. labels that look like sorted-WNID indices); without figures "
        "while scores on all images are not public."))


class SubmissionSerializer(serializers.ModelSerializer):
    year = serializers.CharField(source="split.task.year.slug")
    task = serializers.CharField(source="split.task.slug")
    split = serializers.CharField(source="split.name")
    team = serializers.IntegerField(source="team_id")
    entry = serializers.CharField(source="entry_name")
    scores = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = ["id", "year", "task", "split", "team", "entry", "description", "external_data", "status",
                  "failure_reason", "refunded", "is_final", "file_sha256", "file_size", "created_at", "scored_at",
                  "scores"]

    @extend_schema_field(ScoresSerializer(allow_null=True))
    def get_scores(self, submission):
        user = self.context["request"].user
        return selectors.visible_scores(submission=submission, user=user)
