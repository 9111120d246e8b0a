from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from submissions import api

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("docs/redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("years/", api.YearListApi.as_view(), name="years"),
    path("years/<slug:slug>/", api.YearDetailApi.as_view(), name="year"),
    path("auth/token/", api.TokenCreateApi.as_view(), name="token"),
    path("teams/", api.TeamCreateApi.as_view(), name="teams"),
    path("teams/<int:pk>/", api.TeamDetailApi.as_view(), name="team"),
    path("submissions/", api.SubmissionListCreateApi.as_view(), name="submissions"),
    path("submissions/<int:pk>/", api.SubmissionDetailApi.as_view(), name="submission"),
]
