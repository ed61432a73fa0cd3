"""URL patterns of the monitoring pages; merged into the "web" namespace by decimetro/web/urls.py."""

from django.urls import URLPattern, path

from decimetro.web import views_monitoring as v

urlpatterns: list[URLPattern] = [
    path("monitoraggio/indicatori/", v.indicator_list, name="indicators"),
    path("monitoraggio/indicatori/<int:pk>/", v.indicator_detail, name="indicator"),
    path("monitoraggio/indicatori/<int:pk>/valori.csv", v.indicator_values_csv, name="indicator_values_csv"),
    path("gestione/indicatori/", v.manage_list, name="indicators_manage"),
    path("gestione/indicatori/nuovo/", v.indicator_create_view, name="indicator_create"),
    path("gestione/indicatori/importa/", v.indicator_import_view, name="indicator_import"),
    path("gestione/indicatori/in-ritardo/", v.indicator_overdue_view, name="indicators_overdue"),
    path("gestione/indicatori/<int:pk>/modifica/", v.indicator_edit_view, name="indicator_edit"),
    path("gestione/indicatori/<int:pk>/disattiva/", v.indicator_deactivate_view, name="indicator_deactivate"),
    path(
        "gestione/indicatori/<int:pk>/valori/nuovo/",
        v.indicator_value_record_view,
        name="indicator_value_record",
    ),
]
