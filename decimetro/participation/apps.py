from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "decimetro.participation"
    label = "participation"
    verbose_name = "Partecipazione"
