"""The API of years, teams and tokens: one view per operation, paths in challenge/api_urls.py."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from challenge import selectors, signin, team_services
from challenge.models import ChallengeYear, Team
from challenge.serializers import (
    TeamCreateSerializer,
    TeamSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    YearDetailSerializer,
    YearSerializer,
)
from config.api_errors import ErrorsSerializer, error_body
from config.throttles import TokenThrottle


class YearListApi(generics.ListAPIView):
    """Challenge years visible to the caller (drafts only for organizers)."""

    serializer_class = YearSerializer

    def get_queryset(self):
        return selectors.visible_years(user=self.request.user)


class YearDetailApi(generics.RetrieveAPIView):
    """One year with its tasks and their splits (quota and visibility rules included)."""

    serializer_class = YearDetailSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return selectors.visible_years(user=self.request.user).prefetch_related("tasks__splits")


class TokenCreateApi(APIView):
    """Exchange a username and password for the account's API token (created if missing).
    Braked like every sign-in: 429 with Retry-After after repeated failures."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [TokenThrottle]

    @extend_schema(request=TokenRequestSerializer,
                   responses={200: TokenSerializer, 400: ErrorsSerializer, 429: ErrorsSerializer})
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request, **serializer.validated_data)
        if user is None and (refusal := signin.refusal_of(request)) is not None:
            return Response(error_body([(None, refusal.message)]), status=status.HTTP_429_TOO_MANY_REQUESTS,
                            headers={"Retry-After": str(refusal.retry_after)})
        if user is None or not user.is_active:
            return Response(error_body([(None, "Unable to log in with these credentials.")]),
                            status=status.HTTP_400_BAD_REQUEST)
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
        year = selectors.year_for_viewer(slug=data["year"], user=request.user)
        try:
            team = team_services.create_team(year=year, user=request.user, name=data["name"],
                                             affiliation=data["affiliation"])
        except team_services.TeamError as exc:
            return Response(error_body([(None, str(exc))]), status=status.HTTP_400_BAD_REQUEST)
        return Response(TeamSerializer(team).data, status=status.HTTP_201_CREATED)


class TeamDetailApi(generics.RetrieveAPIView):
    """A team's public facts: name, affiliation, members' display names."""

    serializer_class = TeamSerializer
    queryset = Team.objects.select_related("year").filter(year__status=ChallengeYear.Status.PUBLISHED)
