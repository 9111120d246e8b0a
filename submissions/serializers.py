"""API serializers: they validate input and shape output; the rules live in services."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from challenge.models import ChallengeYear, Split, Task, Team
from challenge.team_services import display_name, team_members
from submissions import selectors
from submissions.models import Submission


class SplitSerializer(serializers.ModelSerializer):
    scores_public = serializers.SerializerMethodField()

    class Meta:
        model = Split
        fields = ["name", "n_images", "visibility", "scores_public", "quota_per_window", "quota_window_days",
                  "quota_total", "max_final_entries"]

    def get_scores_public(self, split) -> bool:
        return split.scores_are_public()


class TaskSerializer(serializers.ModelSerializer):
    splits = SplitSerializer(many=True, read_only=True)
    primary_metric = serializers.CharField(read_only=True)

    class Meta:
        model = Task
        fields = ["slug", "title", "kind", "primary_metric", "splits"]


class YearSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="draft or published")
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = ChallengeYear
        fields = ["slug", "title", "status", "is_historical", "is_open", "opens_at", "deadline", "results_at"]

    def get_is_open(self, year) -> bool:
        return year.is_open()


class YearDetailSerializer(YearSerializer):
    tasks = TaskSerializer(many=True, read_only=True)

    class Meta(YearSerializer.Meta):
        fields = YearSerializer.Meta.fields + ["tasks"]


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False, write_only=True)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class TeamCreateSerializer(serializers.Serializer):
    year = serializers.SlugField(help_text="The year's slug.")
    name = serializers.CharField(max_length=100)
    affiliation = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class TeamSerializer(serializers.ModelSerializer):
    year = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    members = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["id", "year", "name", "affiliation", "members", "created_at"]

    def get_members(self, team) -> list[str]:
        return [display_name(user) for user in team_members(team=team)]


class SubmissionCreateSerializer(serializers.Serializer):
    year = serializers.SlugField()
    task = serializers.SlugField()
    split = serializers.ChoiceField(choices=Split.Name.values)
    file = serializers.FileField()
    entry = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    external_data = serializers.BooleanField(required=False, default=False)

    def validate_file(self, upload):
        if upload.size > settings.MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(f"The file is larger than {settings.MAX_UPLOAD_BYTES:,} bytes.")
        return upload


class ScoresSerializer(serializers.Serializer):
    basis = serializers.CharField(help_text="Which images the scores are on: all, public (subset) or ladder.")
    ladder_accepted = serializers.BooleanField(allow_null=True)
    top1_error = serializers.FloatField(required=False)
    top5_error = serializers.FloatField(required=False)
    localization_error = serializers.FloatField(required=False)
    hierarchical_error = serializers.FloatField(required=False)
    intervals = serializers.DictField(child=serializers.ListField(child=serializers.FloatField()),
                                      help_text="95% bootstrap confidence interval per metric.")


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


class ErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True)
    message = serializers.CharField()


class ErrorsSerializer(serializers.Serializer):
    errors = ErrorSerializer(many=True)
    next_slot_at = serializers.DateTimeField(required=False, allow_null=True)
