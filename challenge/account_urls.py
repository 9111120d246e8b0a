app_name = "accounts"

# Sign-up, profile and API-token views; Django's own auth views (login, logout, password
# reset) are included unnamespaced in config/urls.py.
urlpatterns: list = []
