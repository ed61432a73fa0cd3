from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Exports: CSV and XLSX (later PDF) through shared writers (credit, formulas neutralised)."""

    name = "decimetro.reports"
    label = "reports"
