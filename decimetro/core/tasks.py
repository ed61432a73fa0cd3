"""Core's tasks: every e-mail is sent by a task, enqueued when the transaction that decided it commits.

`email_on_commit` is what services call: a request never waits for the mail server, and a transaction that
rolls back sends nothing. A refused message fails its task (visible in the task list, kept with its error)
without undoing the write that asked for it. Delivery is at least once: a worker killed after the server
accepted the message and before the task was marked done sends it again after the restart.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail import send_mail
from django.db import transaction
from django_tasks import task


@task()
def send_email(subject: str, body: str, to: list[str]) -> int:
    return send_mail(subject, body, None, to, fail_silently=False)


def email_on_commit(*, subject: str, body: str, to: Sequence[str]) -> None:
    subject, body, recipients = str(subject), str(body), [str(a) for a in to]
    transaction.on_commit(lambda: send_email.enqueue(subject, body, recipients))
