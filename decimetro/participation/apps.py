from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "decimetro.participation"
    label = "participation"
    verbose_name = "Partecipazione"

    def ready(self) -> None:
        # Registers the app's permissions (django-rules) before any request or test asks for them.
        from decimetro.participation import permissions  # noqa: F401
