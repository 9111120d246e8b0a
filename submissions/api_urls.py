from django.urls import path

from submissions import api

# Mounted in the site's "api" namespace by config/api_urls.py.
urlpatterns = [
    path("submissions/", api.SubmissionListCreateApi.as_view(), name="submissions"),
    path("submissions/<int:pk>/", api.SubmissionDetailApi.as_view(), name="submission"),
]
