"""Accounts pages: users and roles, organisations, invitations, the audit log and the user's profile.

Thin views: permission checked first (403 for a logged-in user without the right, login for anonymous), the
writes go through decimetro.core.services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from decimetro.backoffice.forms.accounts import (
    AuditFilterForm,
    InvitationAcceptForm,
    InvitationForm,
    OrganisationForm,
    PasswordForm,
    RoleForm,
    UserFilterForm,
)
from decimetro.core import permissions as perms
from decimetro.core import selectors as sel
from decimetro.core import services as svc
from decimetro.core.http import AuthenticatedHttpRequest, query_without, require_perm
from decimetro.core.models import Invitation, Membership, Organisation, OrganisationKind, User
from decimetro.core.signals import remember_organisation

USERS_PER_PAGE = 50
AUDIT_PER_PAGE = 50


def _apply_errors(form: Any, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (unknown keys go to the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        form.add_error(None, exc)


# Profile ----------------------------------------------------------------------------------------------------


def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    membership = perms.membership_of(request.user)
    return render(
        request,
        "backoffice/accounts/profile.html",
        {
            "membership": membership,
            "is_ente_admin": perms.is_ente_admin(request.user),
            "is_ente_staff": perms.is_ente_staff(request.user),
            "comune": perms.comune_of(request.user),
        },
    )


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def password_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.user_change_password(
                by=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _t("Password modificata."))
            return redirect("backoffice:profile")
    return render(
        request,
        "backoffice/accounts/password_change.html",
        {"form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


# Users ------------------------------------------------------------------------------------------------------


def _users_context(request: HttpRequest, invite_form: InvitationForm | None = None) -> dict[str, Any]:
    # Its own ids: the invitation form on the same page has fields of the same names (organisation, role).
    filters = UserFilterForm(request.GET or None, auto_id="filtro_%s")
    params: dict[str, Any] = {}
    if filters.is_valid():
        data = filters.cleaned_data
        params = {
            "search": data["q"].strip(),
            "organisation_id": data["organisation"].pk if data["organisation"] else None,
            "role": data["role"],
            "active": {"1": True, "0": False}.get(data["active"]),
        }
    page = Paginator(sel.users_for_admin(**params), USERS_PER_PAGE).get_page(request.GET.get("pagina"))
    return {
        "filters": filters,
        "page": page,
        "page_query": query_without(request, "pagina"),
        "invite_form": invite_form or InvitationForm(),
        "role_form": RoleForm(),
        "invitations": sel.invitations_pending(),
    }


@require_perm("accounts.manage")
def users(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "backoffice/accounts/users.html", _users_context(request))


@require_POST
@require_perm("accounts.manage")
def user_invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation, _link = svc.invitation_create(
                by=request.user,
                email=form.cleaned_data["email"],
                organisation=form.cleaned_data["organisation"],
                role=form.cleaned_data["role"],
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _t("Invito inviato a %(email)s (valido fino al %(until)s).")
                % {
                    "email": invitation.email,
                    "until": timezone.localtime(invitation.expires_at).strftime("%d/%m/%Y"),
                },
            )
            return redirect("backoffice:users")
    return render(request, "backoffice/accounts/users.html", _users_context(request, form), status=400)


@require_POST
@require_perm("accounts.manage")
def invitation_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk)
    svc.invitation_revoke(by=request.user, invitation=invitation)
    messages.success(request, _t("Invito a %(email)s revocato.") % {"email": invitation.email})
    return redirect("backoffice:users")


def _user_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    target = get_object_or_404(User, pk=pk)
    try:
        if action == "disable":
            svc.user_disable(by=request.user, user=target)
            messages.success(request, _t("Utente %(u)s disattivato.") % {"u": target.get_username()})
        else:
            svc.user_enable(by=request.user, user=target)
            messages.success(request, _t("Utente %(u)s riattivato.") % {"u": target.get_username()})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("backoffice:users")


@require_POST
@require_perm("accounts.manage")
def user_disable(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _user_action(request, pk, "disable")


@require_POST
@require_perm("accounts.manage")
def user_enable(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _user_action(request, pk, "enable")


@require_http_methods(["GET", "POST"])
@require_perm("accounts.manage")
def user_role(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(User, pk=pk)
    membership = Membership.objects.select_related("organisation").filter(user=target).first()
    initial = {"role": membership.role, "organisation": membership.organisation} if membership else {}
    form = RoleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            svc.membership_set_role(
                by=request.user,
                user=target,
                role=form.cleaned_data["role"],
                organisation=form.cleaned_data["organisation"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _t("Ruolo di %(u)s aggiornato.") % {"u": target.get_username()})
            return redirect("backoffice:users")
    return render(
        request,
        "backoffice/accounts/user_role.html",
        {"target": target, "membership": membership, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


# Organisations ----------------------------------------------------------------------------------------------


@require_perm("accounts.manage")
def organisations(request: AuthenticatedHttpRequest) -> HttpResponse:
    kind = request.GET.get("tipo", "")
    if kind not in OrganisationKind.values:
        kind = ""
    search = request.GET.get("q", "").strip()[:100]
    page = Paginator(sel.organisations_with_counts(kind=kind, search=search), 50).get_page(
        request.GET.get("pagina")
    )
    return render(
        request,
        "backoffice/accounts/organisations.html",
        {
            "page": page,
            "page_query": query_without(request, "pagina"),
            "kind": kind,
            "search": search,
            "kinds": OrganisationKind.choices,
        },
    )


_ORGANISATION_FIELDS = ("name", "body_kind", "fiscal_code", "email", "phone")


def _organisation_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The OrganisationForm's cleaned data as the keyword arguments shared by organisation_create/update."""
    return {name: data[name] for name in _ORGANISATION_FIELDS}


@require_http_methods(["GET", "POST"])
@require_perm("accounts.manage")
def organisation_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None)
    del form.fields["active"]  # a new organisation is active
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            org = svc.organisation_create(
                by=request.user,
                **_organisation_fields(data),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _t("Organizzazione «%(name)s» creata.") % {"name": org.name})
            return redirect("backoffice:organisations")
    return render(
        request,
        "backoffice/accounts/organisation_form.html",
        {"form": form, "organisation": None},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@require_perm("accounts.manage")
def organisation_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    org = get_object_or_404(Organisation.objects.select_related("comune"), pk=pk)
    initial = {
        "name": org.name,
        "body_kind": org.body_kind or "other",
        "fiscal_code": org.fiscal_code,
        "email": org.email,
        "phone": org.phone,
        "active": org.active,
    }
    form = OrganisationForm(request.POST or None, initial=initial)
    if org.kind != OrganisationKind.BODY:
        for name in ("name", "body_kind", "active"):
            form.fields[name].disabled = True
            form.fields[name].required = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            svc.organisation_update(
                by=request.user,
                organisation=org,
                **_organisation_fields(data),
                active=data["active"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _t("Organizzazione «%(name)s» aggiornata.") % {"name": org.name})
            return redirect("backoffice:organisations")
    return render(
        request,
        "backoffice/accounts/organisation_form.html",
        {"form": form, "organisation": org},
        status=400 if form.is_bound and form.errors else 200,
    )


# Invitation -------------------------------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = svc.invitation_pending(token)
    if invitation is None:
        return render(request, "backoffice/accounts/invitation_invalid.html", status=404)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = svc.invitation_accept(
                token=token,
                username=data["username"],
                password=data["password1"],
                full_name=data["full_name"],
            )
        except PermissionDenied:
            return render(request, "backoffice/accounts/invitation_invalid.html", status=404)
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "password" in exc.error_dict:
                exc.error_dict["password1"] = exc.error_dict.pop("password")
            _apply_errors(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            remember_organisation(sender=None, request=request, user=user)
            messages.success(request, _t("Benvenuto in Decimetro: il tuo account è attivo."))
            return redirect("backoffice:profile")
    return render(
        request,
        "backoffice/accounts/invitation_accept.html",
        {"invitation": invitation, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


# Audit log --------------------------------------------------------------------------------------------------


@require_perm("audit.view")
def audit_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    target_types = [(ct.pk, f"{ct.app_label} · {ct.name}") for ct in sel.audit_target_types()]
    form = AuditFilterForm(
        request.GET or None,
        actors=sel.audit_actors(),
        target_types=target_types,
        actions=sel.audit_actions(),
    )
    params: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        params = {
            "actor_id": data["actor"].pk if data["actor"] else None,
            "target_type_id": data["target_type"],
            "action": data["action"],
            "search": data["q"].strip(),
            "date_from": data["date_from"],
            "date_to": data["date_to"],
        }
    page = Paginator(sel.audit_log(**params), AUDIT_PER_PAGE).get_page(request.GET.get("pagina"))
    return render(
        request,
        "backoffice/accounts/audit_log.html",
        {"form": form, "page": page, "page_query": query_without(request, "pagina")},
    )
