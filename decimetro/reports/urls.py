"""Exports: CSV and XLSX (later PDF) downloads of pages, through the shared writers of `reports`."""

from django.urls import path

from decimetro.reports.views import map as map_views
from decimetro.reports.views import monitoring, participation, pnrr

app_name = "reports"

urlpatterns = [
    path("territorio/mappa/dati.geojson", map_views.map_geojson, name="map_geojson"),
    path("territorio/mappa/dati.csv", map_views.map_csv, name="map_csv"),
    path("progetti/export.csv", pnrr.project_list_csv, name="projects_csv"),
    path("gestione/qualita-dati/problemi.csv", pnrr.data_quality_csv, name="data_quality_csv"),
    path(
        "monitoraggio/indicatori/<int:pk>/valori.csv",
        monitoring.indicator_values_csv,
        name="indicator_values_csv",
    ),
    path("dup/export.<str:fmt>", participation.dup_territory_export, name="dup_export"),
    path("dup/modello.csv", participation.dup_csv_template, name="dup_csv_template"),
    path("dup/<str:key>/export.<str:fmt>", participation.dup_detail_export, name="dup_detail_export"),
]
