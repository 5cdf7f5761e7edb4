"""The cookies page: every cookie Borough gives a resident's browser, all of them essential,
in the resident's language. Borough sets no analytics or advertising cookies, so there is no
banner and nothing to accept."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from runtime.core.ui_text import ui
from runtime.web import context as web
from runtime.web.sessions import (
    CSRF_COOKIE,
    JOURNEY_COOKIE,
    JOURNEY_MAX_AGE,
    LANGUAGE_COOKIE,
    LANGUAGE_MAX_AGE,
)

DAY = 24 * 3600

# Each cookie a resident may get: its name, what it is for (a ui_text key) and how long it lasts.
RESIDENT_COOKIES = (
    (JOURNEY_COOKIE, "cookie_journey", JOURNEY_MAX_AGE),
    (CSRF_COOKIE, "cookie_csrf", JOURNEY_MAX_AGE),
    (LANGUAGE_COOKIE, "cookie_language", LANGUAGE_MAX_AGE),
)


def lasts(seconds: int, language: str) -> str:
    days = seconds // DAY
    return ui(language, "cookie_year") if days == 365 else ui(language, "cookie_days", days=days)


async def cookies(request: Request) -> Response:
    council = await web.council_or_404(request.path_params["council"])
    languages = council.languages or ["en"]
    lang = web.language(request, languages)
    payload = {
        "language": lang,
        "council": web.council_view(council),
        "page": {"heading": ui(lang, "cookies")},
        "intro": [ui(lang, "cookies_intro"), ui(lang, "cookies_essential"), ui(lang, "cookies_nothing_else")],
        "cookies": [{"name": name, "purpose": ui(lang, purpose), "expires": lasts(seconds, lang)}
                    for name, purpose, seconds in RESIDENT_COOKIES],
    }
    return web.page(request, "pages/cookies.html", payload, lang, languages=languages)
