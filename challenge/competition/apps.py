from django.apps import AppConfig


class CompetitionConfig(AppConfig):
    name = "challenge.competition"
    label = "competition"
    verbose_name = "Challenge years, tasks, splits, class sets and ground truth"
