"""The site's URLs with the throttled sign-in mounted, for testing it before config/urls.py does."""

from django.urls import include, path

from challenge.signin import ThrottledLoginView

urlpatterns = [
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("", include("config.urls")),
]
