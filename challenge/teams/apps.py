from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "challenge.teams"
    label = "teams"
    verbose_name = "Teams and their members"
