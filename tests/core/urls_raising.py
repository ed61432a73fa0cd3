"""A test-only URLconf: the project's URLs plus one view that fails (for the 500 page)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from decimetro.urls import handler403
from decimetro.urls import urlpatterns as project_urlpatterns


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug, on purpose")


urlpatterns = [path("prova-errore/", boom), *project_urlpatterns]

__all__ = ["handler403", "urlpatterns"]
