from django.urls import path

from challenge.competition import views

# The public pages of the challenge: the home page, each year and its class set.
app_name = "challenge"

urlpatterns = [
    path("", views.home, name="home"),
    path("years/<slug:slug>/", views.year_detail, name="year-detail"),
    path("years/<slug:slug>/classes/", views.class_list, name="classes"),
    path("years/<slug:slug>/classes/<str:wnid>/", views.class_detail, name="class-detail"),
]
