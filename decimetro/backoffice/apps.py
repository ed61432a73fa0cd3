from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """The back office (`/gestione/`) and everything an organisation user does."""

    name = "decimetro.backoffice"
    label = "backoffice"
