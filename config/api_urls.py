"""The API under /api/: its schema and docs, then each area's endpoints, whose views live beside
the area they serve (years in competition, tokens in accounts, teams in teams, submissions in
submissions; boards in submissions.leaderboards, mounted by config/urls.py as the
`leaderboard_api` namespace)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from challenge.accounts import api as accounts
from challenge.competition import api as competition
from challenge.teams import api as teams
from submissions import api_urls as submissions_api

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("docs/redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("years/", competition.YearListApi.as_view(), name="years"),
    path("years/<slug:slug>/", competition.YearDetailApi.as_view(), name="year"),
    path("auth/token/", accounts.TokenCreateApi.as_view(), name="token"),
    path("teams/", teams.TeamCreateApi.as_view(), name="teams"),
    path("teams/<int:pk>/", teams.TeamDetailApi.as_view(), name="team"),
    *submissions_api.urlpatterns,
]
