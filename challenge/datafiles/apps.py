from django.apps import AppConfig


class DataFilesConfig(AppConfig):
    name = "challenge.datafiles"
    label = "datafiles"
    verbose_name = "Hosted data files and their terms of access"
