from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "decimetro.web"
    label = "web"
