from django.urls import path

from challenge.annotation import views

# The annotator's pages, and a team's report of a wrong label on a validation split.
app_name = "annotation"

urlpatterns = [
    path("annotate/", views.home, name="home"),
    path("annotate/invitations/<str:token>/", views.accept, name="accept"),
    path("annotate/tasks/<int:pk>/", views.question, name="question"),
    path("annotate/tasks/<int:pk>/grid/", views.grid, name="grid"),
    path("annotate/images/<int:question_id>/", views.image, name="image"),
    path("years/<slug:slug>/tasks/<slug:task>/<str:split>/report/", views.report, name="report"),
]
