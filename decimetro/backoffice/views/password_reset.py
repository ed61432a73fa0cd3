"""Password reset by email: Django's views under /accesso/password/, branded, with a limit per address.

The request page answers the same whatever the address (an account exists or not: nothing is revealed); the
link of the email works once (Django's token is signed with the password hash, which the reset changes) and
for PASSWORD_RESET_TIMEOUT seconds."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy

from decimetro.backoffice.forms.password_reset import PasswordResetRequestForm, PasswordResetSetForm
from decimetro.core.security import client_ip, over_rate_limit


class RequestView(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "registration/password_reset_form.html"
    subject_template_name = "registration/password_reset_subject.txt"
    email_template_name = "registration/password_reset_email.txt"
    success_url = reverse_lazy("password_reset_done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """At most DECIMETRO_PASSWORD_RESET_IP_LIMIT requests per address in 15 minutes; beyond, the form
        again with a polite 429 (the limit is the address's, so it reveals nothing about an account)."""
        if over_rate_limit(
            "password-reset-ip",
            client_ip(request),
            limit=settings.DECIMETRO_PASSWORD_RESET_IP_LIMIT,
            seconds=900,
        ):
            context = self.get_context_data(form=self.get_form_class()(), rate_limited=True)
            return render(request, self.template_name, context, status=429)
        return super().post(request, *args, **kwargs)


class DoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class ConfirmView(auth_views.PasswordResetConfirmView):
    form_class = PasswordResetSetForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")


class CompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
