"""The site's language: Italian unless the visitor chose English with the language switch.

Decimetro is an Italian public body's site, so the browser's `Accept-Language` is not asked: a browser set to
English, or without any Italian preference, still gets the Italian site. Only the language cookie that
`django.views.i18n.set_language` writes (the switch in the header) chooses another language.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


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
