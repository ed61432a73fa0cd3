from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "decimetro.monitoring"
    label = "monitoring"
    verbose_name = "Monitoraggio"

    def ready(self) -> None:
        # Registers the app's permissions (django-rules) before any request or test asks for them.
        from decimetro.monitoring import permissions  # noqa: F401

        # Indicators follow the map when a new plan edition is published.
        from decimetro.monitoring.services import monitoring_remap_objectives
        from decimetro.plan.signals import edition_published

        edition_published.connect(monitoring_remap_objectives, dispatch_uid="monitoring_remap_objectives")
