from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from decimetro.api.main import api
from decimetro.backoffice.views import password_reset
from decimetro.core.locale import language_switch

urlpatterns = [
    # Exports first (their routes are the most specific), then public pages, then the back office.
    path("", include("decimetro.reports.urls")),
    path("", include("decimetro.public.urls")),
    path("", include("decimetro.backoffice.urls")),
    path("api/v1/", api.urls),
    path("accesso/", auth_views.LoginView.as_view(), name="login"),
    path("uscita/", auth_views.LogoutView.as_view(), name="logout"),
    path("accesso/password/", password_reset.RequestView.as_view(), name="password_reset"),
    path("accesso/password/inviata/", password_reset.DoneView.as_view(), name="password_reset_done"),
    path(
        "accesso/password/nuova/<uidb64>/<token>/",
        password_reset.ConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accesso/password/fatto/", password_reset.CompleteView.as_view(), name="password_reset_complete"),
    # The header's language switch (GET: no CSRF token on the pages); Django's POST view stays under i18n/.
    path("lingua/", language_switch, name="language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# The 403 page says who may do the refused action; the 404 and 500 pages are the templates 404.html and
# 500.html (the 500 one stands alone: no context processor, no query).
handler403 = "decimetro.core.http.permission_denied"
