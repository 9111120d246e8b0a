"""The API under /api/: its schema and docs, then each area's endpoints, whose views live beside
the area they serve (years in competition, tokens in accounts, teams in teams, submissions in
submissions; boards in submissions.leaderboards, mounted by config/urls.py as the
`leaderboard_api` namespace)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from challenge.accounts import api as accounts
from challenge.annotation import api as annotation
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
    path("years/<slug:slug>/label-reports/", annotation.LabelReportApi.as_view(), name="label-reports"),
    path("annotation/tasks/", annotation.AnnotationTasksApi.as_view(), name="annotation-tasks"),
    path("annotation/tasks/<int:pk>/next/", annotation.NextQuestionApi.as_view(), name="annotation-next"),
    path("annotation/questions/<int:pk>/answer/", annotation.AnswerApi.as_view(), name="annotation-answer"),
    path("annotation/questions/<int:pk>/image/", annotation.QuestionImageApi.as_view(), name="annotation-image"),
    *submissions_api.urlpatterns,
]
