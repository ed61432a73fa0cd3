"""La mia scrivania: where every login lands (`backoffice.desk` composes it)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from decimetro.backoffice.desk import desk_for
from decimetro.core.http import AuthenticatedHttpRequest


@require_GET
@never_cache
def desk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The logged-in user's desk (behind login in urls.py); viewing it records the visit."""
    return render(request, "backoffice/desk/desk.html", {"desk": desk_for(request.user)})
