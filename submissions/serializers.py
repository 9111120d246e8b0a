"""API serializers: they validate input and shape output; the rules live in services."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from challenge.competition.models import Split
from challenge.policy import Board
from config.api_errors import ErrorSerializer
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
    entry = serializers.CharField(max_length=100, required=False, default="",
                                  help_text="The entry's name on the leaderboard (not needed with check_only).")
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="",
                                        help_text="The method, in Markdown (shown on the boards).")
    method_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="",
                                      help_text="A paper describing the method.")
    code_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="",
                                    help_text="The method's code.")
    external_data = serializers.BooleanField(required=False, default=False)
    check_only = serializers.BooleanField(required=False, default=False, help_text=(
        "Check the file as an upload would (format, lines, classes; whether you may submit it now) and answer "
        "200 with {ready, errors}: nothing is stored and no quota is used (the upload throttle counts it)."))


    def validate(self, data):
        if not data.get("check_only") and not data.get("entry", "").strip():
            raise serializers.ValidationError({"entry": "An entry needs a name."})
        return data


class FileCheckSerializer(serializers.Serializer):
    """The answer to check_only=true: would this upload be accepted now? Nothing was stored."""

    ready = serializers.BooleanField(help_text="True when an upload of this file now would be accepted.")
    errors = ErrorSerializer(many=True, help_text="Why not: the file's line-numbered errors, or why it cannot be "
                                                  "submitted now (quota, deadline, team).")
    message = serializers.CharField(help_text="The outcome in words.")


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
    board = serializers.ChoiceField(choices=Board.choices, read_only=True, help_text=(
        "The board the entry is on: official, or post-challenge (sent after the results date)."))
    scores = serializers.SerializerMethodField()
    scores_published_at = serializers.SerializerMethodField(help_text=(
        "While this entry's scores are hidden from its team (a test split before the results date): when "
        "they are published. Null otherwise."))
    url = serializers.SerializerMethodField(help_text="The entry's page on the site.")
    leaderboard_url = serializers.SerializerMethodField(help_text="The board the entry is ranked on.")

    class Meta:
        model = Submission
        fields = ["id", "year", "task", "split", "team", "entry", "description", "method_url", "code_url",
                  "external_data", "board", "is_baseline", "status", "failure_reason", "refunded", "is_final",
                  "file_sha256", "file_size", "created_at", "scored_at", "scores", "scores_published_at", "url",
                  "leaderboard_url"]

    @extend_schema_field(ScoresSerializer(allow_null=True))
    def get_scores(self, submission):
        user = self.context["request"].user
        return selectors.visible_scores(submission=submission, user=user)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_scores_published_at(self, submission):
        hidden = selectors.scores_hidden_until(submission=submission, user=self.context["request"].user)
        return hidden.isoformat() if hidden else None

    @extend_schema_field(serializers.URLField())
    def get_url(self, submission):
        return self.context["request"].build_absolute_uri(reverse("submissions:detail", args=[submission.pk]))

    @extend_schema_field(serializers.URLField())
    def get_leaderboard_url(self, submission):
        split = submission.split
        path = reverse("leaderboards:leaderboard", args=[split.task.year.slug, split.task.slug, split.name])
        after = f"?board={submission.board}" if submission.board != Board.OFFICIAL else ""
        return self.context["request"].build_absolute_uri(path + after)
