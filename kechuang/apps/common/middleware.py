"""The interface language: Chinese unless the user chose English.

Django's LocaleMiddleware would follow the browser's Accept-Language; a bureau's
platform speaks Chinese by default whatever the browser says, and English only when a
user picks it (the choice is kept in a cookie, set by Django's ``set_language`` view).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

_SUPPORTED = {code for code, _name in settings.LANGUAGES}


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in _SUPPORTED else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
