"""La mia scrivania: where every login lands (`backoffice.desk` composes it)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _t
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from decimetro.backoffice.desk import desk_for
from decimetro.core.http import AuthenticatedHttpRequest, require_perm
from decimetro.follow.services import follow_for_user, unfollow_for_user
from decimetro.follow.targets import resolve


@require_GET
@never_cache
def desk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The logged-in user's desk (behind login in urls.py); viewing it records the visit."""
    return render(request, "backoffice/desk/desk.html", {"desk": desk_for(request.user)})


def _back(request: AuthenticatedHttpRequest) -> HttpResponse:
    return redirect(reverse("backoffice:desk") + "#segui")


@require_POST
@require_perm("follow.own")
def follow_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Follow a page with the account's address (from the desk or a /segui/ page): active at once."""
    target = resolve(request.POST.get("kind", ""), request.POST.get("key", ""))
    if target is None:
        messages.error(request, _t("La pagina da seguire non esiste più."))
        return _back(request)
    if not request.user.email:
        messages.error(request, _t("Il tuo account non ha un indirizzo email: aggiungilo nel profilo."))
        return _back(request)
    follow_for_user(by=request.user, target=target)
    messages.success(
        request,
        _t("Ora segui %(what)s: le novità arriveranno all'email del tuo account.") % {"what": target.label},
    )
    return _back(request)


@require_POST
@require_perm("follow.own")
def follow_remove(request: AuthenticatedHttpRequest) -> HttpResponse:
    pk = request.POST.get("follow", "")
    if not pk.isdigit() or not unfollow_for_user(by=request.user, follow_id=int(pk)):
        messages.error(request, _t("Non segui questa pagina."))
    else:
        messages.success(request, _t("Non segui più questa pagina."))
    return _back(request)
