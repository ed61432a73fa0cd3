"""Follow by email, without an account (/segui/…): the form on its own page, the signed links of the emails.

The form page is never cached (it carries a CSRF token); the pages it is linked from stay form-less. Whatever
the address (new, pending, already subscribed, over the limit) the answer is the same page: nothing tells a
visitor whether an address follows anything. Each link of an email is signed (`follow.tokens`); the
unsubscription also accepts the mail client's one-click POST (RFC 8058), which carries no CSRF token: the
signed link is the proof, as it is for the GET that shows the button."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from decimetro.core.security import client_ip, over_rate_limit
from decimetro.follow import services, tokens
from decimetro.follow.selectors import follows_of_user
from decimetro.follow.targets import resolve
from decimetro.public.forms import FollowForm


@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    target = resolve(kind, key)
    if target is None:
        raise Http404
    form = FollowForm(request.POST if request.method == "POST" else None)
    status = 200
    rate_limited = False
    if request.method == "POST":
        if over_rate_limit(
            "follow-ip", client_ip(request), limit=settings.DECIMETRO_FOLLOW_IP_LIMIT, seconds=3600
        ):
            rate_limited, status, form = True, 429, FollowForm()
        elif form.is_valid():
            services.follow_request(
                email=form.cleaned_data["email"], target=target, base_url=request.build_absolute_uri("/")
            )
            return redirect(reverse("public:follow_sent") + f"?{kind}={target.key}")
        else:
            status = 400
    user = request.user
    own = user.is_authenticated and bool(getattr(user, "email", ""))
    return render(
        request,
        "public/follow/follow.html",
        {
            "target": target,
            "form": form,
            "rate_limited": rate_limited,
            "can_follow_own": own,
            "already_own": own and follows_of_user(user).filter(kind=target.kind, key=target.key).exists(),
        },
        status=status,
    )


def follow_sent(request: HttpRequest) -> HttpResponse:
    """The same page for every address: "if the address can receive it, a confirmation is on its way"."""
    target = next((resolve(k, str(v)) for k, v in request.GET.items()), None)
    return render(request, "public/follow/sent.html", {"target": target})


def _bad_link(request: HttpRequest, exc: tokens.BadLink, *, what: str) -> HttpResponse:
    return render(request, "public/follow/bad_link.html", {"expired": exc.expired, "what": what}, status=400)


@require_http_methods(["GET", "POST"])
def follow_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the button (a link scanner opening the email confirms nothing); its POST confirms."""
    try:
        tokens.read_confirm(token)
        if request.method == "GET":
            return render(request, "public/follow/confirm.html", {"done": False})
        confirmed = services.follow_confirm(token=token)
    except tokens.BadLink as exc:
        return _bad_link(request, exc, what="confirm")
    return render(request, "public/follow/confirm.html", {"done": True, "target": confirmed.target})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def follow_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        tokens.read_unsubscribe(token)
        if request.method == "GET":
            return render(request, "public/follow/unsubscribe.html", {"done": False})
        services.follow_unsubscribe(token=token)
    except tokens.BadLink as exc:
        return _bad_link(request, exc, what="unsubscribe")
    return render(request, "public/follow/unsubscribe.html", {"done": True})
