from django.urls import path

from decimetro.web import urls_linking, urls_monitoring, urls_participation, views, views_map, views_pnrr

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("piano/missioni/<str:code>/", views.mission_detail, name="mission"),
    path("piano/obiettivi/", views.objective_list, name="objectives"),
    path("piano/obiettivi/<str:code>/", views.objective_detail, name="objective"),
    path("territorio/comuni/", views.comune_list, name="comuni"),
    path("territorio/comuni/<str:codice_istat>/", views.comune_detail, name="comune"),
    path("territorio/zone/", views.zone_list, name="zones"),
    path("territorio/zone/<slug:slug>/", views.zone_detail, name="zone"),
    path("territorio/mappa/", views_map.territory_map, name="map"),
    path("territorio/mappa/dati.geojson", views_map.map_geojson, name="map_geojson"),
    path("territorio/mappa/dati.csv", views_map.map_csv, name="map_csv"),
    path("territorio/confronto/", views_map.compare, name="compare"),
    path("salute/", views_map.salute, name="health"),
    path("gestione/", views.backoffice, name="backoffice"),
    path("gestione/obiettivi/<str:code>/", views.objective_edit, name="objective_edit"),
    path("gestione/missioni/<str:code>/", views.mission_edit, name="mission_edit"),
    path("gestione/componenti/<str:code>/", views.component_edit, name="component_edit"),
    # PNRR
    path("progetti/", views_pnrr.project_list, name="projects"),
    path("progetti/export.csv", views_pnrr.project_list_csv, name="projects_csv"),
    path("progetti/cup/<str:cup>/", views_pnrr.project_by_cup, name="project_by_cup"),
    path("progetti/<int:pk>/", views_pnrr.project_detail, name="project"),
    path("pnrr/misure/", views_pnrr.measure_list, name="measures"),
    path("pnrr/misure/<str:code>/", views_pnrr.measure_detail, name="measure"),
    path("pnrr/attuatori/<int:pk>/", views_pnrr.body_detail, name="body"),
    path("gestione/importazioni/", views_pnrr.import_log, name="import_log"),
    path("gestione/qualita-dati/", views_pnrr.data_quality, name="data_quality"),
    path("gestione/qualita-dati/problemi.csv", views_pnrr.data_quality_csv, name="data_quality_csv"),
]
urlpatterns += urls_linking.urlpatterns + urls_monitoring.urlpatterns + urls_participation.urlpatterns
