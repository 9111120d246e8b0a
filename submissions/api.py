"""The REST API: one APIView per operation, explicit paths in api_urls.py.

Ground truth is never serialized, and scores pass through selectors.visible_scores (the leaderboard's visibility rule), so a
hidden score never leaves the server either.
"""

from django.contrib.auth import authenticate
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from challenge import selectors as challenge_selectors
from challenge import team_services
from challenge.models import ChallengeYear, Team
from submissions import quotas, selectors, services
from submissions.serializers import (
    ErrorsSerializer,
    SubmissionCreateSerializer,
    SubmissionSerializer,
    TeamCreateSerializer,
    TeamSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    YearDetailSerializer,
    YearSerializer,
)


def _errors(messages: list[tuple[int | None, str]], status_code: int, **extra) -> Response:
    body = {"errors": [{"line": line, "message": message} for line, message in messages], **extra}
    return Response(body, status=status_code)


class YearListApi(generics.ListAPIView):
    """Challenge years visible to the caller (drafts only for organizers)."""

    serializer_class = YearSerializer

    def get_queryset(self):
        return challenge_selectors.visible_years(user=self.request.user)


class YearDetailApi(generics.RetrieveAPIView):
    """One year with its tasks and their splits (quota and visibility rules included)."""

    serializer_class = YearDetailSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return challenge_selectors.visible_years(user=self.request.user).prefetch_related("tasks__splits")


class TokenCreateApi(APIView):
    """Exchange a username and password for the account's API token (created if missing)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer, 400: ErrorsSerializer})
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request, **serializer.validated_data)
        if user is None or not user.is_active:
            return _errors([(None, "Unable to log in with these credentials.")], status.HTTP_400_BAD_REQUEST)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class TeamCreateApi(APIView):
    """Create a team in a year, with the caller as its first member."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=TeamCreateSerializer, responses={201: TeamSerializer, 400: ErrorsSerializer})
    def post(self, request):
        serializer = TeamCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)  # config.api_errors gives the documented shape
        data = serializer.validated_data
        year = challenge_selectors.year_for_viewer(slug=data["year"], user=request.user)
        try:
            team = team_services.create_team(year=year, user=request.user, name=data["name"],
                                             affiliation=data["affiliation"])
        except team_services.TeamError as exc:
            return _errors([(None, str(exc))], status.HTTP_400_BAD_REQUEST)
        return Response(TeamSerializer(team).data, status=status.HTTP_201_CREATED)


class TeamDetailApi(generics.RetrieveAPIView):
    """A team's public facts: name, affiliation, members' display names."""

    serializer_class = TeamSerializer
    queryset = Team.objects.select_related("year").filter(year__status=ChallengeYear.Status.PUBLISHED)


class SubmissionListCreateApi(APIView):
    """List your teams' submissions, or submit a prediction file (multipart)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]
    throttle_scope = "submission"

    def get_throttles(self):
        # Only uploads are throttled: a client waiting for its score lists freely.
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    @extend_schema(parameters=[OpenApiParameter("year", str, description="Only this year's submissions.")],
                   responses=SubmissionSerializer(many=True))
    def get(self, request):
        rows = selectors.submissions_of_user_teams(user=request.user, year_slug=request.query_params.get("year"))
        return Response(SubmissionSerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(request=SubmissionCreateSerializer,
                   responses={201: SubmissionSerializer, 400: ErrorsSerializer, 403: ErrorsSerializer,
                              429: ErrorsSerializer})
    def post(self, request):
        serializer = SubmissionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)  # config.api_errors gives the documented shape
        data = serializer.validated_data
        year = challenge_selectors.year_for_viewer(slug=data["year"], user=request.user)
        split = challenge_selectors.split_of(year=year, task_slug=data["task"], split_name=data["split"])
        try:
            submission = services.submit_upload(
                team=challenge_selectors.team_of(user=request.user, year=year), user=request.user, split=split,
                file=data["file"], entry_name=data["entry"], description=data["description"],
                external_data=data["external_data"],
            )
        except services.SubmissionRefused as exc:
            return _errors(exc.errors, status.HTTP_400_BAD_REQUEST)
        except services.SubmissionNotAllowed as exc:
            return _errors([(None, str(exc))], status.HTTP_403_FORBIDDEN)
        except quotas.QuotaExceeded as exc:
            return _quota_response(exc)
        body = SubmissionSerializer(submission, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


def _quota_response(exc: quotas.QuotaExceeded) -> Response:
    next_slot = exc.quota.next_slot_at
    response = _errors([(None, str(exc))], status.HTTP_429_TOO_MANY_REQUESTS,
                       next_slot_at=next_slot.isoformat() if next_slot else None)
    if next_slot:
        response["Retry-After"] = str(max(int((next_slot - timezone.now()).total_seconds()) + 1, 1))
    return response


class SubmissionDetailApi(APIView):
    """One of your team's submissions, with its scores if you may see them (404 otherwise)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=SubmissionSerializer)
    def get(self, request, pk: int):
        submission = selectors.submission_for_viewer(pk=pk, user=request.user)
        return Response(SubmissionSerializer(submission, context={"request": request}).data)
