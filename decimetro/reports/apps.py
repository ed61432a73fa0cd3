from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Exports: CSV and XLSX (later PDF) through shared writers (credit, formulas neutralised)."""

    name = "decimetro.reports"
    label = "reports"

    def ready(self) -> None:
        # New PNRR data: the open-data bundle of the new data version is built by a task (after the commit).
        from decimetro.pnrr.signals import imports_done
        from decimetro.reports.opendata.tasks import build_after_import

        imports_done.connect(build_after_import, dispatch_uid="reports_opendata_after_import")
