"""The site's language: Italian unless the visitor chose English with the language switch.

Decimetro is an Italian public body's site, so the browser's `Accept-Language` is not asked: a browser set to
English, or without any Italian preference, still gets the Italian site. Only the language cookie that
the switch in the header writes (`language_switch`, a GET form: no CSRF token on the pages) chooses another
language.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.http import require_safe


def language_from_request(request: HttpRequest) -> str:
    """The chosen language (the cookie, if it names a supported one), else `LANGUAGE_CODE`."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen:
        try:
            return translation.get_supported_language_variant(chosen)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware (its response handling kept) without the `Accept-Language` negotiation."""

    def process_request(self, request: HttpRequest) -> None:
        language = language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


@require_safe
def language_switch(request: HttpRequest) -> HttpResponseRedirect:
    """The header's language switch: a GET form (`?language=en&next=/…`), so that the pages carrying it need
    no CSRF token (and no CSRF cookie: they can be cached whole for anonymous visitors). Choosing a language
    is not a write: it only sets the language cookie, as `django.views.i18n.set_language` does for a POST, and
    goes back to `next` (this site's URLs only, else the home page)."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        url=next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    code = request.GET.get("language", "")
    if code and check_for_language(code) and code in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    response["Cache-Control"] = "private, no-store"
    return response
