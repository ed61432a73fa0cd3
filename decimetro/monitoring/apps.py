from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "decimetro.monitoring"
    label = "monitoring"
    verbose_name = "Monitoraggio"

    def ready(self) -> None:
        # Registers the app's permissions (django-rules) before any request or test asks for them.
        from decimetro.monitoring import permissions  # noqa: F401
