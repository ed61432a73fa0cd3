from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from decimetro.api.main import api

urlpatterns = [
    # Exports first (their routes are the most specific), then public pages, then the back office.
    path("", include("decimetro.reports.urls")),
    path("", include("decimetro.public.urls")),
    path("", include("decimetro.backoffice.urls")),
    path("api/v1/", api.urls),
    path("accesso/", auth_views.LoginView.as_view(), name="login"),
    path("uscita/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
