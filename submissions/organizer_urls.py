from django.urls import path

from submissions import organizer_views as views

app_name = "organize_submissions"

urlpatterns = [
    path("years/<slug:slug>/tasks/<slug:task_slug>/<str:split_name>/ground-truth/", views.ground_truth,
         name="ground-truth"),
    path("years/<slug:slug>/rescoring/", views.rescoring_jobs, name="rescoring"),
    path("years/<slug:slug>/rescoring/start/", views.rescore_split, name="rescore-split"),
    path("years/<slug:slug>/rescoring/status/", views.rescoring_status, name="rescoring-status"),
    path("years/<slug:slug>/entries/", views.entries, name="entries"),
    path("years/<slug:slug>/entries/bulk/", views.entries_bulk, name="entries-bulk"),
    path("years/<slug:slug>/entries/<int:pk>/moderate/", views.entry_moderate, name="entry-moderate"),
    path("years/<slug:slug>/teams/", views.teams, name="teams"),
    path("years/<slug:slug>/teams/<int:pk>/ban/", views.team_ban, name="team-ban"),
    path("years/<slug:slug>/teams/<int:pk>/quota/", views.team_quota, name="team-quota"),
    path("years/<slug:slug>/statistics/", views.statistics, name="statistics"),
    path("years/<slug:slug>/statistics.csv", views.statistics_csv, name="statistics-csv"),
]
