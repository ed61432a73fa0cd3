"""Settings of bench/pages.py: production settings, except static files served without WhiteNoise's manifest.

`collectstatic` with the manifest storage currently fails (bootstrap-italia.min.css names a source map that is
not vendored), and the benchmark fetches HTML and JSON only, so `{% static %}` needs no manifest here."""

from decimetro.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
