from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """Read-only figures above the data apps: allocation rule, totals, map, dashboards, data version."""

    name = "decimetro.insights"
    label = "insights"
    verbose_name = "Cifre e cruscotti"

    def ready(self) -> None:
        # Every write of the services leaves an audit row (imports, link decisions, the rules' and
        # suggestions' refresh, plan edits): the precomputed figures are refreshed after each (on commit).
        from django.db.models.signals import post_save

        from decimetro.core.models import AuditEntry
        from decimetro.insights.tasks import refresh_after_write

        post_save.connect(refresh_after_write, sender=AuditEntry, dispatch_uid="insights_refresh_after_write")
