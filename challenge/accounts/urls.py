from django.urls import path

from challenge.accounts import views

app_name = "accounts"

# Sign-up, profile and API-token views; Django's own auth views (login, logout, password
# reset) are included unnamespaced in config/urls.py.
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("profile/", views.profile, name="profile"),
    path("profile/token/", views.rotate_token, name="rotate-token"),
    path("profile/email/", views.email_preference, name="email-preference"),
    path("email/opt-out/<str:token>/", views.email_opt_out, name="email-opt-out"),
    path("confirm/<str:token>/", views.confirm_email, name="confirm-email"),
    path("confirm-again/", views.confirm_email_resend, name="confirm-email-resend"),
]
