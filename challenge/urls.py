from django.urls import path

from challenge import views

app_name = "challenge"

urlpatterns = [
    path("", views.home, name="home"),
    path("years/<slug:slug>/", views.year_detail, name="year-detail"),
    path("years/<slug:slug>/classes/", views.class_list, name="classes"),
    path("years/<slug:slug>/classes/<str:wnid>/", views.class_detail, name="class-detail"),
    path("years/<slug:slug>/data/", views.data_files, name="data-files"),
    path("years/<slug:slug>/data/terms/", views.accept_terms, name="accept-terms"),
    path("years/<slug:slug>/data/<int:pk>/<str:filename>", views.download, name="download"),
]
