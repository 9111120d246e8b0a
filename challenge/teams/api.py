"""The teams API: create a team (POST /api/teams/) and read one (GET /api/teams/{id}/)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from challenge.competition import selectors as competition_selectors
from challenge.competition.models import ChallengeYear
from challenge.teams import services as team_services
from challenge.teams.models import Team
from challenge.teams.serializers import TeamCreateSerializer, TeamSerializer
from config.api_errors import ErrorsSerializer, error_body


class TeamCreateApi(APIView):
    """Create a team in a year, with the caller as its first member."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=TeamCreateSerializer, responses={201: TeamSerializer, 400: ErrorsSerializer})
    def post(self, request):
        serializer = TeamCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)  # config.api_errors gives the documented shape
        data = serializer.validated_data
        year = competition_selectors.year_for_viewer(slug=data["year"], user=request.user)
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
