"""`/gestione/` and everything an organisation user does.

Login is required here, once, for every page but the invitation (a new user accepts it before having an
account); each view then asks for its own permission (`core.http.require_perm`, or `ensure` on an object)."""

from django.urls import path

from decimetro.backoffice.views import (
    accounts,
    desk,
    jobs,
    linking,
    monitoring,
    participation,
    plan,
    pnrr,
    tokens,
)
from decimetro.core.http import login_required_urls

app_name = "backoffice"

behind_login = [
    path("gestione/", plan.backoffice, name="home"),
    path("gestione/obiettivi/<str:code>/", plan.objective_edit, name="objective_edit"),
    path("gestione/missioni/<str:code>/", plan.mission_edit, name="mission_edit"),
    path("gestione/componenti/<str:code>/", plan.component_edit, name="component_edit"),
    path("gestione/piano/edizioni/", plan.editions, name="editions"),
    path("gestione/piano/edizioni/<slug:slug>/confronto/", plan.edition_compare, name="edition_compare"),
    path("gestione/importazioni/", pnrr.import_log, name="import_log"),
    path("gestione/importazioni/carica/", jobs.pnrr_upload, name="pnrr_upload"),
    path("gestione/attivita/<int:pk>/", jobs.job_detail, name="job_detail"),
    path("gestione/attivita/<int:pk>/file/", jobs.job_file, name="job_file"),
    path("gestione/qualita-dati/", pnrr.data_quality, name="data_quality"),
    path("gestione/collegamenti/", linking.review_queue, name="link_queue"),
    path("gestione/collegamenti/ricalcola/", linking.links_recompute, name="link_recompute"),
    path("gestione/collegamenti/tutti/", linking.links_matching, name="link_queue_matching"),
    path("gestione/collegamenti/contatori/", linking.queue_counters, name="link_queue_counters"),
    path("gestione/collegamenti/<int:pk>/", linking.link_decide, name="link_decide"),
    path("gestione/corrispondenze/", linking.crosswalk, name="crosswalk"),
    path("gestione/corrispondenze/<int:pk>/rimuovi/", linking.crosswalk_remove, name="crosswalk_remove"),
    path("gestione/corrispondenze/<int:pk>/approva/", linking.crosswalk_approve, name="crosswalk_approve"),
    path("gestione/corrispondenze/<int:pk>/revoca/", linking.crosswalk_revoke, name="crosswalk_revoke"),
    path("gestione/indicatori/", monitoring.manage_list, name="indicators_manage"),
    path("gestione/indicatori/nuovo/", monitoring.indicator_create_view, name="indicator_create"),
    path("gestione/indicatori/importa/", monitoring.indicator_import_view, name="indicator_import"),
    path(
        "gestione/indicatori/importa/modello.csv",
        monitoring.indicator_import_template,
        name="indicator_import_template",
    ),
    path("gestione/indicatori/in-ritardo/", monitoring.indicator_overdue_view, name="indicators_overdue"),
    path("gestione/indicatori/<int:pk>/modifica/", monitoring.indicator_edit_view, name="indicator_edit"),
    path(
        "gestione/indicatori/<int:pk>/disattiva/",
        monitoring.indicator_deactivate_view,
        name="indicator_deactivate",
    ),
    path(
        "gestione/indicatori/<int:pk>/valori/nuovo/",
        monitoring.indicator_value_record_view,
        name="indicator_value_record",
    ),
    path("gestione/consultazioni/", participation.consultation_admin_list, name="consultation_admin"),
    path("gestione/consultazioni/nuova/", participation.consultation_create_view, name="consultation_create"),
    path("gestione/consultazioni/<int:pk>/", participation.consultation_manage, name="consultation_manage"),
    path(
        "gestione/consultazioni/<int:pk>/modifica/", participation.consultation_edit, name="consultation_edit"
    ),
    path(
        "gestione/consultazioni/<int:pk>/chiudi/",
        participation.consultation_close_view,
        name="consultation_close",
    ),
    path(
        "gestione/osservazioni/<int:pk>/moderazione/",
        participation.observation_moderate_view,
        name="observation_moderate",
    ),
    path(
        "gestione/osservazioni/<int:pk>/risposta/",
        participation.observation_answer_view,
        name="observation_answer",
    ),
    path("progetti/<int:pk>/verifiche/nuova/", participation.verification_create, name="verification_create"),
    path("progetti/verifiche/<int:pk>/modifica/", participation.verification_edit, name="verification_edit"),
    path(
        "progetti/verifiche/<int:pk>/elimina/", participation.verification_delete, name="verification_delete"
    ),
    path(
        "progetti/verifiche/<int:pk>/visibilita/", participation.verification_hide, name="verification_hide"
    ),
    path("gestione/dup/", participation.dup_manage_home, name="dup_manage_home"),
    path("gestione/dup/<str:key>/", participation.dup_manage, name="dup_manage"),
    path("gestione/dup/<str:key>/importa/", participation.dup_import, name="dup_import"),
    path("gestione/dup/<str:key>/suggerimenti/", participation.dup_suggest, name="dup_suggest"),
    path("gestione/dup/<str:key>/<int:pk>/", participation.dup_edit, name="dup_edit"),
    path("gestione/dup/<str:key>/<int:pk>/elimina/", participation.dup_delete, name="dup_delete"),
    path("scrivania/", desk.desk, name="desk"),
    path("scrivania/segui/", desk.follow_add, name="follow_add"),
    path("scrivania/segui/smetti/", desk.follow_remove, name="follow_remove"),
    path("gestione/token/", tokens.token_list, name="tokens"),
    path("gestione/token/<int:pk>/revoca/", tokens.token_revoke, name="token_revoke"),
    path("profilo/", accounts.profile, name="profile"),
    path("profilo/password/", accounts.password_change, name="password_change"),
    path("gestione/utenti/", accounts.users, name="users"),
    path("gestione/utenti/invita/", accounts.user_invite, name="user_invite"),
    path("gestione/utenti/<int:pk>/disattiva/", accounts.user_disable, name="user_disable"),
    path("gestione/utenti/<int:pk>/riattiva/", accounts.user_enable, name="user_enable"),
    path("gestione/utenti/<int:pk>/ruolo/", accounts.user_role, name="user_role"),
    path("gestione/inviti/<int:pk>/revoca/", accounts.invitation_revoke, name="invitation_revoke"),
    path("gestione/organizzazioni/", accounts.organisations, name="organisations"),
    path("gestione/organizzazioni/nuova/", accounts.organisation_create, name="organisation_create"),
    path("gestione/organizzazioni/<int:pk>/", accounts.organisation_edit, name="organisation_edit"),
    path("gestione/registro/", accounts.audit_log, name="audit_log"),
]

urlpatterns = [
    *login_required_urls(behind_login),
    path("invito/<str:token>/", accounts.invitation_accept, name="invitation_accept"),
]
