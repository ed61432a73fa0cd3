from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "decimetro.participation"
    label = "participation"
    verbose_name = "Attori e partecipazione"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from decimetro.participation.signals import remember_organisation

        user_logged_in.connect(remember_organisation, dispatch_uid="participation_remember_organisation")
