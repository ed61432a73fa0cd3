"""Public pages: what a citizen or a journalist reads (no login)."""

from django.urls import path

from decimetro.public.views import embed, feeds, follow, monitoring, participation, plan, pnrr, territory
from decimetro.public.views import map as map_views
from decimetro.public.views import search as search_views

app_name = "public"

urlpatterns = [
    path("", plan.home, name="home"),
    path("piano/missioni/<str:code>/", plan.mission_detail, name="mission"),
    path("piano/obiettivi/", plan.objective_list, name="objectives"),
    path("piano/obiettivi/<str:code>/", plan.objective_detail, name="objective"),
    path(
        "piano/obiettivi/<str:code>/progetti.atom", feeds.objective_projects, name="objective_projects_atom"
    ),
    path("piano/edizioni/", plan.edition_list, name="editions"),
    path("piano/edizioni/<slug:slug>/", plan.edition_detail, name="edition"),
    path("territorio/comuni/", territory.comune_list, name="comuni"),
    path("territorio/comuni/<str:codice_istat>/", territory.comune_detail, name="comune"),
    path(
        "territorio/comuni/<str:codice_istat>/progetti.atom",
        feeds.comune_projects,
        name="comune_projects_atom",
    ),
    path("territorio/zone/", territory.zone_list, name="zones"),
    path("territorio/zone/<slug:slug>/", territory.zone_detail, name="zone"),
    path("territorio/mappa/", map_views.territory_map, name="map"),
    path("territorio/confronto/", map_views.compare, name="compare"),
    path("salute/", map_views.salute, name="health"),
    path("cerca/", search_views.search_page, name="search"),
    path("embed/comuni/<str:codice_istat>/", embed.comune, name="embed_comune"),
    path("embed/piano/obiettivi/<str:code>/", embed.objective, name="embed_objective"),
    path("widget/", embed.builder, name="widget_builder"),
    path("progetti/", pnrr.project_list, name="projects"),
    path("progetti/cup/<str:cup>/", pnrr.project_by_cup, name="project_by_cup"),
    path("progetti/<int:pk>/", pnrr.project_detail, name="project"),
    path("pnrr/misure/", pnrr.measure_list, name="measures"),
    path("pnrr/misure/<str:code>/", pnrr.measure_detail, name="measure"),
    path("pnrr/attuatori/<int:pk>/", pnrr.body_detail, name="body"),
    path("monitoraggio/indicatori/", monitoring.indicator_list, name="indicators"),
    path("monitoraggio/indicatori/<int:pk>/", monitoring.indicator_detail, name="indicator"),
    path("partecipazione/consultazioni/", participation.consultation_list, name="consultations"),
    path("partecipazione/consultazioni.atom", feeds.consultations, name="consultations_atom"),
    path("partecipazione/consultazioni/<int:pk>/", participation.consultation_detail, name="consultation"),
    path(
        "partecipazione/consultazioni/<int:pk>/osservazioni/",
        participation.observation_create,
        name="observation_create",
    ),
    path(
        "partecipazione/osservazioni/<int:pk>/allegato/",
        participation.observation_attachment,
        name="observation_attachment",
    ),
    path("progetti/verifiche/foto/<int:pk>/", participation.verification_photo, name="verification_photo"),
    path("segui/inviata/", follow.follow_sent, name="follow_sent"),
    path("segui/conferma/<str:token>/", follow.follow_confirm, name="follow_confirm"),
    path("segui/annulla/<str:token>/", follow.follow_unsubscribe, name="follow_unsubscribe"),
    path("segui/<str:kind>/<str:key>/", follow.follow, name="follow"),
    path("dup/", participation.dup_territory, name="dup"),
    path("dup/<str:key>/", participation.dup_detail, name="dup_detail"),
]
