from django.urls import path

from submissions import views

app_name = "submissions"

urlpatterns = [
    path("years/<slug:slug>/submit/", views.submit, name="submit"),
    path("submissions/<int:pk>/", views.submission_detail, name="detail"),
]
