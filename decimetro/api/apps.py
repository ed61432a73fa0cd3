from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "decimetro.api"
    label = "api"
