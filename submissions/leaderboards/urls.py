"""Every leaderboard route: the pages (namespace `leaderboards`) and the API's board endpoint
(`api_urlpatterns`, mounted under /api/ as namespace `leaderboard_api`)."""

from django.urls import path

from submissions.leaderboards import api, views

app_name = "leaderboards"

urlpatterns = [
    path("years/<slug:slug>/tasks/<slug:task>/<str:split>/leaderboard/", views.leaderboard_page, name="leaderboard"),
    path("years/<slug:slug>/tasks/<slug:task>/<str:split>/leaderboard.<str:fmt>", views.leaderboard_export,
         name="export"),
    path("leaderboards/archive/<uuid:public_id>/", views.archive_page, name="archive"),
    path("leaderboards/archive/<uuid:public_id>.<str:fmt>", views.archive_export, name="archive-export"),
    path("history/", views.history_page, name="history"),
    path("history/<slug:slug>/", views.history_year, name="history-year"),
    path("submissions/<int:pk>/classes/", views.per_class, name="per-class"),
]

api_urlpatterns = [
    path("years/<slug:slug>/tasks/<slug:task>/leaderboard/", api.LeaderboardApi.as_view(), name="leaderboard"),
]
