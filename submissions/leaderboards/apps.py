from django.apps import AppConfig


class LeaderboardsConfig(AppConfig):
    name = "submissions.leaderboards"
    label = "leaderboards"
    verbose_name = "Leaderboards"
