from django.apps import AppConfig


class AnnotationConfig(AppConfig):
    name = "challenge.annotation"
    label = "annotation"
    verbose_name = "Verification of labels by a crowd"
