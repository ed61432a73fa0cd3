from django.apps import AppConfig


class PublicConfig(AppConfig):
    """Public pages: what a citizen or a journalist reads; also the shared look (template tags, context
    processors, partials used by every interface app)."""

    name = "decimetro.public"
    label = "public"
