from django.apps import AppConfig


class PlanConfig(AppConfig):
    name = "decimetro.plan"
    label = "plan"
