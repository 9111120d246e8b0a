app_name = "leaderboard_api"

urlpatterns: list = []
