"""Exports: CSV and XLSX (later PDF) downloads of pages, through the shared writers of `reports`."""

from django.urls import path

from decimetro.reports.views import dossiers, monitoring, opendata, participation, pnrr
from decimetro.reports.views import map as map_views

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
    path("dati-aperti/", opendata.opendata_page, name="opendata"),
    path("dati-aperti/datapackage.json", opendata.opendata_datapackage, name="opendata_datapackage"),
    path("dati-aperti/catalogo.rdf", opendata.opendata_catalogue, name="opendata_catalogue"),
    path("dati-aperti/decimetro-dati-aperti.zip", opendata.opendata_zip, name="opendata_zip"),
    path("dati-aperti/<slug:name>.csv", opendata.opendata_csv, name="opendata_csv"),
    path("piano/obiettivi/<str:code>/dossier.pdf", dossiers.objective_dossier, name="objective_dossier"),
    path("piano/missioni/<str:code>/dossier.pdf", dossiers.mission_dossier, name="mission_dossier"),
    path("territorio/comuni/<str:codice_istat>/dossier.pdf", dossiers.comune_dossier, name="comune_dossier"),
    path("territorio/zone/<slug:slug>/dossier.pdf", dossiers.zone_dossier, name="zone_dossier"),
]
