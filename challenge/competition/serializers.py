"""API serializers of years, tasks, splits, teams and tokens: they validate input and shape
output; rules live in services, and what the public may see and when in challenge.policy."""

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from challenge import policy
from challenge.competition.models import ChallengeYear, Split, Task
from challenge.notices.serializers import AnnouncementSerializer


class SplitSerializer(serializers.ModelSerializer):
    scores_public = serializers.SerializerMethodField(
        help_text="Whether the public may see scores of this split now: live ones (possibly only on the public "
                  "subset, or through the Ladder) or, after the results date, the final ranking.")

    class Meta:
        model = Split
        fields = ["name", "n_images", "visibility", "scores_public", "quota_per_window", "quota_window_days",
                  "quota_total", "max_final_entries"]

    def get_scores_public(self, split) -> bool:
        return policy.scores_are_visible(split=split, user=AnonymousUser())


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
        return policy.year_takes_entries(year)


class YearDetailSerializer(YearSerializer):
    tasks = TaskSerializer(many=True, read_only=True)
    announcements = serializers.SerializerMethodField(help_text="Posted announcements, newest first.")

    class Meta(YearSerializer.Meta):
        fields = YearSerializer.Meta.fields + ["tasks", "announcements"]

    @extend_schema_field(AnnouncementSerializer(many=True))
    def get_announcements(self, year) -> list[dict]:
        return AnnouncementSerializer(year.announcements.posted(), many=True).data


