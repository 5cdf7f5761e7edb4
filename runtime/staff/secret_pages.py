"""The pages around a secret made for another system (an API key, a webhook signing secret).

A new secret is shown once, on the page that confirms it, which no browser or proxy may keep;
after that only a mask or a prefix is shown. Revoking a key, removing an endpoint or replacing
its secret first asks "are you sure?" on a page of its own (GET), and only the POST that
answers it, with its CSRF token, goes ahead.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from runtime.staff.context import Staff, page
from runtime.web import context as web


def shown_once(request: Request, template: str, payload: dict[str, Any], staff: Staff) -> Response:
    """The page that shows ``payload["secret"]``, the only time it is shown: never stored."""
    response = page(request, template, payload, staff)
    response.headers["Cache-Control"] = "no-store"
    return response


async def confirmed(request: Request) -> bool:
    """False for the GET that asks "are you sure?"; True for the POST that answers it (403
    when its CSRF token is not good)."""
    if request.method != "POST":
        return False
    await web.checked_form(request)
    return True
