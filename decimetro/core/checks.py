"""System checks of `manage.py check --deploy` (`make serve` runs it before starting gunicorn)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DatabaseError

from decimetro.core.demo import DEMO_USERNAMES


@register(Tags.security, deploy=True)
def demo_accounts_in_production(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The demo accounts of `make run` have passwords printed in its log: in production any of them is an
    open door (the audit logged in with 3 of 3). A database not migrated yet has no accounts to report."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    from decimetro.core.models import User

    try:
        found = sorted(User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True))
    except DatabaseError:
        return []
    if not found:
        return []
    return [
        Error(
            f"Account dimostrativi presenti in produzione: {', '.join(found)}.",
            hint=(
                "Le loro password sono state stampate nel log di `make run`: eliminarli "
                "(amministrazione Django, /admin/core/user/) prima di aprire il sito."
            ),
            id="decimetro.E001",
        )
    ]
