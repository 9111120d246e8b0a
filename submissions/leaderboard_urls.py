from django.urls import path

from submissions import leaderboard_views as views

app_name = "leaderboards"

urlpatterns = [
    path("years/<slug:slug>/tasks/<slug:task>/<str:split>/leaderboard/", views.leaderboard, name="leaderboard"),
]
