"""The leaderboard API: one read operation, served from the stored JSON of a board page."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from challenge.policy import BOARD_VIEWS
from submissions.leaderboards import selectors
from submissions.leaderboards.http_cache import cached_for_anonymous, not_modified, with_validators
from submissions.leaderboards.models import Board, Track
from submissions.leaderboards.segments import PAGE_SIZE


class ScoreSerializer(serializers.Serializer):
    value = serializers.FloatField(help_text="Rounded to the board's `decimals` (5; a Ladder's step).")
    ci_low = serializers.FloatField(allow_null=True, help_text="95% bootstrap confidence interval over images, low "
                                                               "end; null on a Ladder board.")
    ci_high = serializers.FloatField(allow_null=True, help_text="95% bootstrap confidence interval over images, high "
                                                                "end; null on a Ladder board.")


class TeamRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.CharField(help_text="The team's public page.")


class EntrySerializer(serializers.Serializer):
    position = serializers.IntegerField(allow_null=True, help_text="Row number among ranked entries; null when "
                                                                   "excluded, and for a baseline.")
    rank = serializers.IntegerField(allow_null=True, help_text="Shared by entries with equal rounded scores.")
    team = TeamRefSerializer()
    entry = serializers.CharField()
    description = serializers.CharField(help_text="The team's description of its method (may be empty).")
    submitted_at = serializers.DateTimeField()
    outside_data = serializers.BooleanField()
    scores = serializers.DictField(child=ScoreSerializer(), help_text=(
        "By metric: top5_error, top1_error, ...; on a split with revised labels also real_top5_error and "
        "real_top1_error (ReaL: several valid labels per image, error over the images kept) and, after a class "
        "revision, revised_top5_error, revised_top1_error (and revised_localization_error, "
        "revised_hierarchical_error or revised_mean_average_precision) with the retired classes out."))
    better_than_next = serializers.BooleanField(allow_null=True, help_text="Significantly better than the next entry "
                                                "(McNemar's paired test, the sign test for hierarchical costs, or a "
                                                "paired bootstrap over images for mean average precision; p < 0.05).")
    p_value_next = serializers.FloatField(allow_null=True)
    tie_group = serializers.IntegerField(allow_null=True, help_text="Entries in one group are statistically tied.")
    tied_with = serializers.ListField(
        child=serializers.IntegerField(), min_length=2, max_length=2, allow_null=True,
        help_text="[first, last]: the positions of the group of entries statistically tied with this one "
                  "(its own included; groups are contiguous); null when it is tied with none.")
    not_comparable = serializers.CharField(allow_null=True, help_text="Why the entry is not directly comparable.")
    excluded = serializers.CharField(allow_null=True, help_text="Disqualification or ban, with its reason.")
    is_baseline = serializers.BooleanField(help_text="An organizers' reference entry: shown at its score's place, "
                                                     "with no rank, and never counted in a team's rank.")
    method_url = serializers.CharField(help_text="The paper describing the method (may be empty).")
    code_url = serializers.CharField(help_text="The method's code (may be empty).")
    team_entries = serializers.IntegerField(help_text="The team's entries on this board (this split, board and "
                                                      "track).")
    last_entry_at = serializers.DateTimeField(help_text="When the team's last entry on this board was sent.")
    categories_won = serializers.IntegerField(required=False, help_text=(
        "Detection only: the classes where this entry has the highest average precision of the ranked entries "
        "(the higher-ranked entry takes a tie; a class nobody detects is won by no one), on the board's images "
        "(a public-subset board's public part); absent on a Ladder board."))


class LeaderboardSerializer(serializers.Serializer):
    visible = serializers.BooleanField(help_text="False while the split's scores are hidden.")
    explanation = serializers.CharField()
    frozen = serializers.BooleanField(help_text="True for the final results archived at the results date.")
    year = serializers.CharField()
    task = serializers.CharField()
    split = serializers.CharField()
    board = serializers.CharField(help_text="official, post-challenge (entries sent after the results date, "
                                            "scored on all images; the official results never change), or revised "
                                            "(the official board's entries on the revised labels).")
    track = serializers.CharField()
    basis = serializers.CharField(allow_null=True, help_text="all, public (live subset), private (final) or ladder.")
    primary_metric = serializers.CharField()
    rule = serializers.CharField()
    decimals = serializers.IntegerField(help_text="The decimals the scores are rounded to: 5, or on a Ladder board "
                                                  "its step (docs/leaderboards.md).")
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    entries = EntrySerializer(many=True)


class LeaderboardApi(APIView):
    """The ranked entries of a year's task on one split and track, as the caller may see them."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="leaderboard",
        parameters=[
            OpenApiParameter("split", OpenApiTypes.STR, enum=["val", "test"], default="val"),
            OpenApiParameter("board", OpenApiTypes.STR, enum=list(BOARD_VIEWS), default=Board.OFFICIAL,
                             description="official: the official board (frozen at the results date); "
                                         "post-challenge: the board of entries sent after the challenge; revised: "
                                         "the official board's entries with their figures on the split's revised "
                                         "labels (ReaL sets, retired classes), after the results date the live "
                                         "board on the final ranking's images beside the frozen official one "
                                         "(before, the same board as official). Every live board's rows carry the "
                                         "revised figures beside the original ones."),
            OpenApiParameter("track", OpenApiTypes.STR, enum=list(Track.values), default="combined"),
            OpenApiParameter("page", OpenApiTypes.INT, default=1, description=f"{PAGE_SIZE} entries a page"),
        ],
        responses=LeaderboardSerializer,
    )
    def get(self, request, slug, task):
        try:
            track = selectors.track_from(request.GET.get("track"))
        except ValueError as exc:
            raise ValidationError({"track": str(exc)}) from exc
        try:
            board = selectors.board_from(request.GET.get("board"))
        except ValueError as exc:
            raise ValidationError({"board": str(exc)}) from exc
        try:
            view = selectors.leaderboard_for_viewer(
                slug=slug, task_slug=task, split_name=request.GET.get("split", "val"), track=track,
                user=request.user, page=selectors.page_from(request.GET.get("page")), body="json", board=board)
        except selectors.PageOutOfRange as exc:
            raise NotFound(str(exc)) from exc
        version, modified_at = selectors.view_version(view), selectors.view_modified_at(view)
        built_at = view.stored.built_at if view.stored else None
        response = (not_modified(request, version=version, modified_at=modified_at, built_at=built_at)
                    or cached_for_anonymous(request, version=version, content_type="application/json",
                                            build=lambda: _json_bytes(selectors.board_document(view)))
                    or HttpResponse(_json_bytes(selectors.board_document(view)), content_type="application/json"))
        return with_validators(response, request=request, version=version, modified_at=modified_at, built_at=built_at)


def _json_bytes(document: dict) -> bytes:
    return json.dumps(document, cls=DjangoJSONEncoder, separators=(",", ":")).encode()
