"""The forms of the password reset by email (Django's own, with our mail delivery and our service)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.template.loader import render_to_string

from decimetro.core import services as svc
from decimetro.core.models import User
from decimetro.core.security import over_rate_limit
from decimetro.core.tasks import email_on_commit


class PasswordResetRequestForm(PasswordResetForm):
    """Django's form (it mails only active users with a usable password and that address, and says nothing
    about the others); the message is sent by the email task, after the request, and at most
    DECIMETRO_PASSWORD_RESET_EMAIL_LIMIT times an hour to one address, so the form cannot flood an inbox."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        if over_rate_limit(
            "password-reset-email",
            to_email.lower(),
            limit=settings.DECIMETRO_PASSWORD_RESET_EMAIL_LIMIT,
            seconds=3600,
        ):
            return
        context = {
            **context,
            "site_url": settings.DECIMETRO_SITE_URL or f"{context['protocol']}://{context['domain']}",
        }
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        email_on_commit(subject=subject, body=body, to=[to_email])


class PasswordResetSetForm(SetPasswordForm):
    """Django's form (two fields, the validators); the write is the service's, which leaves an audit row."""

    user: User

    def save(self, commit: bool = True) -> User:
        return svc.user_reset_password(user=self.user, new_password=self.cleaned_data["new_password1"])
