from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "challenge.audit"
    label = "audit"
    verbose_name = "The organizers' audit log"
