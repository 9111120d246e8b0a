from django.urls import path

from submissions import views

app_name = "submissions"

urlpatterns = [
    path("client/ilsvrc_submit.py", views.client_script, name="client"),
    path("years/<slug:slug>/submit/", views.submit, name="submit"),
    path("years/<slug:slug>/submissions/", views.team_submissions, name="list"),
    path("years/<slug:slug>/tasks/<slug:task>/<str:split>/sample.txt", views.sample_file, name="sample"),
    path("years/<slug:slug>/final/<int:split_pk>/", views.mark_final, name="mark-final"),
    path("submissions/<int:pk>/", views.submission_detail, name="detail"),
    path("submissions/<int:pk>/status/", views.submission_status, name="status"),
    path("submissions/<int:pk>/edit/", views.edit_entry, name="edit"),
    path("submissions/<int:pk>/withdraw/", views.withdraw_entry, name="withdraw"),
    path("submissions/<int:pk>/file/", views.submission_file, name="file"),
]
