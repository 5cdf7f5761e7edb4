"""Sign in, sign out, sign out everywhere, and the first page after signing in."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from runtime import store
from runtime.staff import auth, cookies
from runtime.staff.context import Staff, address, page, path, redirect
from runtime.staff.cookies import STAFF_COOKIE
from runtime.staff.notices import redirect_with_notice
from runtime.web import context as web

WRONG = "Enter a correct email address and password"
LOCKED = "You have tried to sign in too many times. Wait 15 minutes, then try again"


def _safe_next(request: Request, target: str | None) -> str:
    """Only a path inside the staff app: never another site."""
    root = str(request.scope.get("root_path", ""))
    if target and target.startswith(root + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return path(request, "home")


async def sign_in(request: Request) -> Response:
    email, error = "", None
    if request.method == "POST":
        form = web.text_fields(await web.checked_form(request))
        email = (form.get("email") or [""])[0].strip()
        password = (form.get("password") or [""])[0]
        if not email or not password:
            error = WRONG
        else:
            result = await auth.sign_in(email, password, address(request))
            if result.token:
                response = redirect(_safe_next(request, request.query_params.get("next")))
                cookies.start_session(request, response, result.token)
                assert result.user is not None
                await store.audit.record(None, result.user, "signed-in", address=address(request))
                return response
            error = LOCKED if result.problem == "locked" else WRONG
    payload = {
        "page": {"heading": "Sign in"},
        "email": email,
        "errors": [{"field": "email", "href": "#email", "message": error, "keyword": "credentials"}] if error else [],
        "error": error,
        "links": {"action": str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
                  "reset": path(request, "reset_request")},
    }
    return page(request, "staff/sign_in.html", payload, None, status_code=422 if error else 200)


async def sign_out(request: Request) -> Response:
    await web.checked_form(request)
    token = request.cookies.get(STAFF_COOKIE)
    if token:
        await store.staff.close_session(token)
    response = redirect(path(request, "sign_in"))
    cookies.end_session(request, response)
    return response


async def sign_out_everywhere(request: Request, staff: Staff) -> Response:
    await web.checked_form(request)
    closed = await store.staff.close_all_sessions(staff.user)
    await store.audit.record(None, staff.user, "signed-out-everywhere", after={"sessions": closed},
                             address=address(request))
    response = redirect_with_notice(request, path(request, "sign_in"),
                                    "You have been signed out on every device, this one too")
    cookies.end_session(request, response)
    return response


async def home(request: Request) -> Response:
    user = await auth.current_user(request.cookies.get(STAFF_COOKIE))
    return redirect(path(request, "councils" if user else "sign_in"))


async def councils(request: Request, staff: Staff) -> Response:
    memberships = await store.staff.memberships_of(staff.user)
    if len(memberships) == 1 and not staff.user.is_operator and request.query_params.get("all") is None:
        return redirect(path(request, "dashboard", council=memberships[0].council.slug))
    payload = {
        "page": {"heading": "Your councils"},
        "councils": [
            {"slug": m.council.slug, "name": m.council.name, "roles": m.roles,
             "href": path(request, "dashboard", council=m.council.slug)}
            for m in memberships
        ],
        "links": {"create": path(request, "create_council") if staff.user.is_operator else None,
                  "account": path(request, "account")},
    }
    return page(request, "staff/councils.html", payload, staff)


async def account(request: Request, staff: Staff) -> Response:
    payload = {"page": {"heading": "Your account"},
               "links": {"everywhere": path(request, "sign_out_everywhere"), "councils": path(request, "councils")}}
    return page(request, "staff/account.html", payload, staff)
