from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "decimetro.territory"
    label = "territory"
