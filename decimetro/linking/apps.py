from django.apps import AppConfig


class LinkingConfig(AppConfig):
    name = "decimetro.linking"
    label = "linking"
    verbose_name = "Collegamenti progetti-obiettivi"

    def ready(self) -> None:
        # Links and crosswalk rules follow the map when a new plan edition is published.
        from decimetro.linking.services import linking_remap_objectives
        from decimetro.plan.signals import edition_published

        edition_published.connect(linking_remap_objectives, dispatch_uid="linking_remap_objectives")

        # New PNRR data: the suggestions are refreshed by a task (after the import's commit).
        from decimetro.linking.tasks import refresh_after_import
        from decimetro.pnrr.signals import imports_done

        imports_done.connect(refresh_after_import, dispatch_uid="linking_refresh_after_import")
