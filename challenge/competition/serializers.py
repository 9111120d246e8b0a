"""API serializers of years, tasks, splits, teams and tokens: they validate input and shape
output; rules live in services, and what the public may see and when in challenge.policy."""

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from challenge import policy
from challenge.competition.models import ChallengeYear, Split, Task
from challenge.competition.selectors import revisions_of
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


class ClassRevisionSerializer(serializers.Serializer):
    retired = serializers.ListField(child=serializers.CharField(), source="newly_retired",
                                    help_text="WNIDs this revision retired.")
    retired_in_all = serializers.ListField(child=serializers.CharField(), source="retired_wnids",
                                           help_text="Every WNID retired from the year as of this revision.")
    reason = serializers.CharField()
    sha256 = serializers.CharField(help_text="SHA-256 of the retired WNIDs, sorted, one a line.")
    at = serializers.DateTimeField(source="created_at")


class LabelRevisionSerializer(serializers.Serializer):
    task = serializers.CharField(source="split.task.slug")
    split = serializers.CharField(source="split.name")
    sha256 = serializers.CharField(source="revised_labels_sha256", help_text="SHA-256 of the revised labels.")
    source = serializers.CharField(source="revision_source")
    at = serializers.DateTimeField(source="uploaded_at")


class RevisionsSerializer(serializers.Serializer):
    classes = ClassRevisionSerializer(many=True, help_text="Classes retired from the year, oldest first.")
    labels = LabelRevisionSerializer(many=True, help_text="Splits whose labels are revised (ReaL sets).")


class YearDetailSerializer(YearSerializer):
    tasks = TaskSerializer(many=True, read_only=True)
    announcements = serializers.SerializerMethodField(help_text="Posted announcements, newest first.")
    revisions = serializers.SerializerMethodField(help_text="Revisions of the year's labels: retired classes "
                                                            "and revised label sets, with their commitments.")

    class Meta(YearSerializer.Meta):
        fields = YearSerializer.Meta.fields + ["tasks", "announcements", "revisions"]

    @extend_schema_field(AnnouncementSerializer(many=True))
    def get_announcements(self, year) -> list[dict]:
        return AnnouncementSerializer(year.announcements.posted(), many=True).data

    @extend_schema_field(RevisionsSerializer)
    def get_revisions(self, year) -> dict:
        return RevisionsSerializer(revisions_of(year=year)).data


