"""The API under /api/: its schema and docs, then each area's endpoints, which live beside the
area they serve (years, teams and tokens in challenge, submissions in submissions, boards in
submissions.leaderboards, mounted by config/urls.py as the `leaderboard_api` namespace)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from challenge import api_urls as challenge_api
from submissions import api_urls as submissions_api

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("docs/redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    *challenge_api.urlpatterns,
    *submissions_api.urlpatterns,
]
