from django.apps import AppConfig


class FollowConfig(AppConfig):
    name = "decimetro.follow"
    label = "follow"
    verbose_name = "Segui per email"

    def ready(self) -> None:
        from decimetro.follow import permissions  # noqa: F401 - registers the permissions

        # New PNRR data: the digests of those due are sent by a task (after the import's commit).
        from decimetro.follow.tasks import digests_after_import
        from decimetro.pnrr.signals import imports_done

        imports_done.connect(digests_after_import, dispatch_uid="follow_digests_after_import")
