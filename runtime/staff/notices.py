"""What a member of staff is told after something they did worked: "Application assigned",
"Settings saved". A form that worked redirects (POST, redirect, GET), and the page it lands on
shows the notice once, in a GOV.UK success notification banner.

The notice travels in a short-lived cookie, signed with the installation's secret key, so it
works with JavaScript off and nobody can put words of their own in it. It is plain text: the
template escapes it like any other text. The next staff page that renders shows it and
clears the cookie.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from runtime.staff import cookies
from runtime.web import context as web

NOTICE_COOKIE = "borough_staff_notice"
NOTICE_MAX_AGE = 120  # seconds: long enough to follow a redirect on a slow connection
LONGEST = 300  # characters; a notice is a sentence, not a report


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(web.settings(request).secret_key, salt="borough.staff.notice")


def redirect_with_notice(request: Request, url: str, text: str) -> RedirectResponse:
    """A 303 to ``url`` whose page will say ``text`` in a success banner."""
    response = RedirectResponse(url, status_code=303)
    cookies.keep(request, response, NOTICE_COOKIE, _serializer(request).dumps(text[:LONGEST]), NOTICE_MAX_AGE)
    return response


def waiting(request: Request) -> str | None:
    """The notice waiting for this browser, if its cookie is one we signed and not stale."""
    value = request.cookies.get(NOTICE_COOKIE)
    if not value:
        return None
    try:
        text = _serializer(request).loads(value, max_age=NOTICE_MAX_AGE)
    except BadSignature:  # also a stale one: SignatureExpired is a BadSignature
        return None
    return text[:LONGEST] if isinstance(text, str) and text.strip() else None


def shown(request: Request, response: Response) -> None:
    """The notice has been shown: forget it, so a reload does not show it again."""
    if NOTICE_COOKIE in request.cookies:
        cookies.forget(request, response, NOTICE_COOKIE)
