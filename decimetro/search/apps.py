from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "decimetro.search"
    label = "search"
    verbose_name = "Ricerca"

    def ready(self) -> None:
        # New PNRR data: the whole index is rebuilt by a task (after the import's commit).
        from decimetro.pnrr.signals import imports_done
        from decimetro.search import tasks

        imports_done.connect(tasks.rebuild_after_import, dispatch_uid="search_rebuild_after_import")
        # Edits of the small indexed things (plan, territory, consultations): their documents are refreshed.
        tasks.connect_small_kinds()
