from django.urls import path

from challenge import views

app_name = "challenge"

urlpatterns = [
    path("", views.home, name="home"),
    path("years/<slug:slug>/", views.year_detail, name="year-detail"),
]
