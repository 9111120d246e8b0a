from django.contrib import admin
from django.urls import include, path

from challenge.accounts import views as account_views
from challenge.accounts.signin import ThrottledLoginView
from config import views
from submissions.leaderboards.urls import api_urlpatterns as leaderboard_api

# One include per area, so that each area's routes live beside its views.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    # Before Django's auth URLs, so that sign-in and the old password go through the brake, a
    # reset is braked and its mail queued, and a new password replaces the API token.
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/password_change/", account_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password_reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/reset/<uidb64>/<token>/", account_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/", include("challenge.accounts.urls")),
    path("api/", include("config.api_urls")),
    path("api/", include((leaderboard_api, "leaderboard_api"))),
    path("organize/", include("config.organize_urls")),
    path("", include("challenge.teams.urls")),
    path("", include("submissions.leaderboards.urls")),
    path("", include("submissions.urls")),
    path("", include("challenge.datafiles.urls")),
    path("", include("challenge.annotation.urls")),
    path("", include("challenge.competition.urls")),
]
