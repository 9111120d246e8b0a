from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "submissions"
    verbose_name = "Submissions and leaderboards"

    def ready(self):
        # challenge cannot import submissions; it announces ranking-relevant changes with a
        # signal, and the boards here listen in every process (web, worker, shell).
        from submissions import rescoring  # noqa: F401
