"""URL patterns of the participation pages; merged into the "web" namespace by decimetro/web/urls.py."""

from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []
