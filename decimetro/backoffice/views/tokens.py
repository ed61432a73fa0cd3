"""The "Token API" page of an organisation's admin (`/gestione/token/`): create a token (shown once), see
the tokens with their last use, revoke one. The writes go through `core.services_tokens`."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from decimetro.backoffice.forms.base import BackofficeForm
from decimetro.core import permissions as perms
from decimetro.core.http import AuthenticatedHttpRequest
from decimetro.core.models import ApiToken
from decimetro.core.services_tokens import NAME_MAX, api_token_create, api_token_revoke


class TokenForm(BackofficeForm):
    name = forms.CharField(
        label=_("Nome del token"),
        max_length=NAME_MAX,
        help_text=_("Per esempio il sistema che lo userà: «Gestionale DUP», «Sito istituzionale»."),
    )


def _organisation(request: AuthenticatedHttpRequest):  # type: ignore[no-untyped-def]
    organisation = perms.organisation_of(request.user)
    perms.ensure(request.user, "apitoken.manage", organisation)
    return organisation


@never_cache
@require_http_methods(["GET", "POST"])
def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisation = _organisation(request)
    form = TokenForm(request.POST or None)
    secret = ""
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = api_token_create(
                by=request.user, organisation=organisation, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            form = TokenForm()
    tokens = ApiToken.objects.filter(organisation=organisation).select_related("created_by")
    return render(
        request,
        "backoffice/accounts/tokens.html",
        {"organisation": organisation, "tokens": tokens, "form": form, "secret": secret, "created": created},
    )


@require_POST
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation(request)
    token = get_object_or_404(
        ApiToken.objects.select_related("organisation"), pk=pk, organisation=organisation
    )
    api_token_revoke(by=request.user, token=token)
    return redirect("backoffice:tokens")
