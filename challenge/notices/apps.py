from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "challenge.notices"
    label = "notices"
    verbose_name = "Announcements and e-mail"
