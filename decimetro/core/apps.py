from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "decimetro.core"
    label = "core"
    verbose_name = "Core"
