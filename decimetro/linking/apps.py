from django.apps import AppConfig


class LinkingConfig(AppConfig):
    name = "decimetro.linking"
    label = "linking"
    verbose_name = "Collegamenti progetti-obiettivi"
