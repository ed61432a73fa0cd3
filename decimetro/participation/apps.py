from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "decimetro.participation"
    label = "participation"
    verbose_name = "Partecipazione"

    def ready(self) -> None:
        # Registers the app's permissions (django-rules) before any request or test asks for them.
        from decimetro.participation import permissions  # noqa: F401

        # DUP references and consultations follow the map when a new plan edition is published.
        from decimetro.participation.services_consultations import consultation_remap_objectives
        from decimetro.participation.services_dup import dup_remap_objectives
        from decimetro.plan.signals import edition_published

        edition_published.connect(dup_remap_objectives, dispatch_uid="dup_remap_objectives")
        edition_published.connect(consultation_remap_objectives, dispatch_uid="consultation_remap_objectives")
