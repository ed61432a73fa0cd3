"""Follow tasks: the sending of one email (confirmation or digest, with its unsubscription headers) and the
digests, after every import (on commit) and daily (`manage.py run_scheduled daily`): each sends only to the
followers due (at most one digest a week each) with something new."""

from __future__ import annotations

from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django_tasks import task

from decimetro.core.scheduling import scheduled


@task()
def send_follow_email(subject: str, text: str, html: str, to: list[str], headers: dict[str, str]) -> int:
    message = EmailMultiAlternatives(subject, text, None, to, headers=headers)
    message.attach_alternative(html, "text/html")
    return message.send(fail_silently=False)


@scheduled("daily")
@task()
def digests_send_due() -> dict[str, int]:
    from decimetro.follow.services import digests_send

    run = digests_send()
    return {"due": run.due, "sent": run.sent, "nothing_new": run.nothing_new}


def digests_after_import(sender: Any = None, **kwargs: Any) -> None:
    """Receiver of `pnrr.signals.imports_done`: new PNRR data → the digests of those due, once the import's
    transaction (if any) commits."""
    transaction.on_commit(digests_send_due.enqueue)
