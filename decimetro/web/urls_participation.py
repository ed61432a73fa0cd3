"""URL patterns of the participation pages; merged into the "web" namespace by decimetro/web/urls.py."""

from django.urls import URLPattern, path

from decimetro.web import views_accounts as va
from decimetro.web import views_participation as vp

urlpatterns: list[URLPattern] = [
    # Consultations (public)
    path("partecipazione/consultazioni/", vp.consultation_list, name="consultations"),
    path("partecipazione/consultazioni/<int:pk>/", vp.consultation_detail, name="consultation"),
    path(
        "partecipazione/consultazioni/<int:pk>/osservazioni/",
        vp.observation_create,
        name="observation_create",
    ),
    path(
        "partecipazione/osservazioni/<int:pk>/allegato/",
        vp.observation_attachment,
        name="observation_attachment",
    ),
    # Consultations (Ente back office)
    path("gestione/consultazioni/", vp.consultation_admin_list, name="consultation_admin"),
    path("gestione/consultazioni/nuova/", vp.consultation_create_view, name="consultation_create"),
    path("gestione/consultazioni/<int:pk>/", vp.consultation_manage, name="consultation_manage"),
    path("gestione/consultazioni/<int:pk>/modifica/", vp.consultation_edit, name="consultation_edit"),
    path("gestione/consultazioni/<int:pk>/chiudi/", vp.consultation_close_view, name="consultation_close"),
    path(
        "gestione/osservazioni/<int:pk>/moderazione/",
        vp.observation_moderate_view,
        name="observation_moderate",
    ),
    path("gestione/osservazioni/<int:pk>/risposta/", vp.observation_answer_view, name="observation_answer"),
    # Project verification reports
    path("progetti/<int:pk>/verifiche/nuova/", vp.verification_create, name="verification_create"),
    path("progetti/verifiche/<int:pk>/modifica/", vp.verification_edit, name="verification_edit"),
    path("progetti/verifiche/<int:pk>/elimina/", vp.verification_delete, name="verification_delete"),
    path("progetti/verifiche/<int:pk>/visibilita/", vp.verification_hide, name="verification_hide"),
    path("progetti/verifiche/foto/<int:pk>/", vp.verification_photo, name="verification_photo"),
    # DUP alignment
    path("dup/", vp.dup_territory, name="dup"),
    path("dup/export.<str:fmt>", vp.dup_territory_export, name="dup_export"),
    path("dup/modello.csv", vp.dup_csv_template, name="dup_csv_template"),
    path("dup/<str:key>/", vp.dup_detail, name="dup_detail"),
    path("dup/<str:key>/export.<str:fmt>", vp.dup_detail_export, name="dup_detail_export"),
    path("gestione/dup/", vp.dup_manage_home, name="dup_manage_home"),
    path("gestione/dup/<str:key>/", vp.dup_manage, name="dup_manage"),
    path("gestione/dup/<str:key>/importa/", vp.dup_import, name="dup_import"),
    path("gestione/dup/<str:key>/<int:pk>/", vp.dup_edit, name="dup_edit"),
    path("gestione/dup/<str:key>/<int:pk>/elimina/", vp.dup_delete, name="dup_delete"),
]

# Accounts and roles (Ente admins), invitations, audit log, profile
urlpatterns += [
    path("profilo/", va.profile, name="profile"),
    path("profilo/password/", va.password_change, name="password_change"),
    path("gestione/utenti/", va.users, name="users"),
    path("gestione/utenti/invita/", va.user_invite, name="user_invite"),
    path("gestione/utenti/<int:pk>/disattiva/", va.user_disable, name="user_disable"),
    path("gestione/utenti/<int:pk>/riattiva/", va.user_enable, name="user_enable"),
    path("gestione/utenti/<int:pk>/ruolo/", va.user_role, name="user_role"),
    path("gestione/inviti/<int:pk>/revoca/", va.invitation_revoke, name="invitation_revoke"),
    path("gestione/organizzazioni/", va.organisations, name="organisations"),
    path("gestione/organizzazioni/nuova/", va.organisation_create, name="organisation_create"),
    path("gestione/organizzazioni/<int:pk>/", va.organisation_edit, name="organisation_edit"),
    path("gestione/registro/", va.audit_log, name="audit_log"),
    path("invito/<str:token>/", va.invitation_accept, name="invitation_accept"),
]
