from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "decimetro.core"
    label = "core"
    verbose_name = "Utenti, organizzazioni e registro"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from decimetro.core import checks, lookups, permissions  # noqa: F401  (registers them)
        from decimetro.core.signals import remember_organisation

        # The dispatch_uid is kept from when this lived in the participation app.
        user_logged_in.connect(remember_organisation, dispatch_uid="participation_remember_organisation")
