from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "decimetro.monitoring"
    label = "monitoring"
    verbose_name = "Monitoraggio"
