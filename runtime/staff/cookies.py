"""The staff app's cookies, each set and cleared one way: for every staff page wherever the
app is mounted, out of reach of scripts (HttpOnly), not sent with other sites' requests
(SameSite=Lax), and only over HTTPS where the installation says so.

The session cookie is set when someone signs in or joins with a new account, and cleared
when they sign out; the notice cookie (runtime/staff/notices.py) lives the same way.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from runtime.staff import auth
from runtime.web import context as web

STAFF_COOKIE = "borough_staff"


def staff_path(request: Request) -> str:
    """Every staff page, wherever the staff app is mounted."""
    return str(request.scope.get("root_path", "")) or "/"


def keep(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, path=staff_path(request), httponly=True, samesite="lax",
                        secure=web.settings(request).secure_cookies)


def forget(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(name, path=staff_path(request), httponly=True, samesite="lax",
                           secure=web.settings(request).secure_cookies)


def start_session(request: Request, response: Response, token: str) -> None:
    """The browser holds the new session's token for as long as the session lasts."""
    keep(request, response, STAFF_COOKIE, token, int(auth.SESSION_LIFETIME.total_seconds()))


def end_session(request: Request, response: Response) -> None:
    forget(request, response, STAFF_COOKIE)
