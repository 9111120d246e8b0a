from django.urls import path

from submissions import leaderboard_api as api

app_name = "leaderboard_api"

urlpatterns = [
    path("years/<slug:slug>/tasks/<slug:task>/leaderboard/", api.LeaderboardApi.as_view(), name="leaderboard"),
]
