from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """Read-only figures above the data apps: allocation rule, totals, map, dashboards, data version."""

    name = "decimetro.insights"
    label = "insights"
    verbose_name = "Cifre e cruscotti"
