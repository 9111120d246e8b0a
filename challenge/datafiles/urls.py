from django.urls import path

from challenge.datafiles import views

app_name = "datafiles"

urlpatterns = [
    path("years/<slug:slug>/data/", views.data_files, name="data-files"),
    path("years/<slug:slug>/data/terms/", views.accept_terms, name="accept-terms"),
    path("years/<slug:slug>/data/<int:pk>/<str:filename>", views.download, name="download"),
]
