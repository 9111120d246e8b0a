from django.urls import path

from challenge import api

# Mounted in the site's "api" namespace by config/api_urls.py.
urlpatterns = [
    path("years/", api.YearListApi.as_view(), name="years"),
    path("years/<slug:slug>/", api.YearDetailApi.as_view(), name="year"),
    path("auth/token/", api.TokenCreateApi.as_view(), name="token"),
    path("teams/", api.TeamCreateApi.as_view(), name="teams"),
    path("teams/<int:pk>/", api.TeamDetailApi.as_view(), name="team"),
]
