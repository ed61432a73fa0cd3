"""URL patterns of the linking pages; merged into the "web" namespace by decimetro/web/urls.py."""

from django.urls import URLPattern, path

from decimetro.web import views_linking

urlpatterns: list[URLPattern] = [
    path("gestione/collegamenti/", views_linking.review_queue, name="link_queue"),
    path("gestione/collegamenti/ricalcola/", views_linking.links_recompute, name="link_recompute"),
    path("gestione/collegamenti/<int:pk>/", views_linking.link_decide, name="link_decide"),
    path("gestione/corrispondenze/", views_linking.crosswalk, name="crosswalk"),
    path(
        "gestione/corrispondenze/<int:pk>/rimuovi/", views_linking.crosswalk_remove, name="crosswalk_remove"
    ),
]
