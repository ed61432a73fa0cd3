from django.apps import AppConfig


class PnrrConfig(AppConfig):
    name = "decimetro.pnrr"
    label = "pnrr"
    verbose_name = "PNRR"
