"""One error handler: every refusal renders as a page that says what happened and what to do,
or as JSON in one pinned shape: {"error": {"status", "code", "title", "message"}}."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send

from runtime.core.ui_text import ui
from runtime.web import context as web
from runtime.web.middleware import BodyTooLarge
from runtime.web.rendering import wants_json

log = logging.getLogger("borough.web")

CODES = {
    400: "bad_request", 401: "signed_out", 403: "forbidden", 404: "page_not_found", 405: "bad_request",
    409: "already_submitted", 410: "session_expired", 413: "too_large", 415: "bad_request",
    500: "server_error",
}
WORDS = {
    "page_not_found": ("page_not_found", "page_not_found_body"),
    "session_expired": ("session_expired", "session_expired_body"),
    "already_submitted": ("session_expired", "session_expired_body"),
    "answers_not_saved": ("answers_not_saved", "answers_not_saved_body"),
    "forbidden": ("forbidden_title", "forbidden_body"),
    "too_large": ("too_large_title", "too_large_body"),
    "bad_request": ("bad_request_title", "bad_request_body"),
    "server_error": ("server_error_title", "server_error_body"),
    "signed_out": ("signed_out_title", "signed_out_body"),
    "forbidden_role": ("forbidden_role_title", "forbidden_role_body"),
}


def error_payload(status: int, code: str, lang: str) -> dict[str, object]:
    title, body = WORDS.get(code, WORDS["bad_request"])
    return {"error": {"status": status, "code": code, "title": ui(lang, title), "message": ui(lang, body)}}


def render_error(request: Request, status: int, code: str) -> Response:
    lang = web.language(request)
    payload = error_payload(status, code, lang)
    if wants_json(request):
        return JSONResponse(payload, status_code=status)
    start = None
    # Only the resident app has service start pages to point back to (the staff app has none).
    if ("council" in request.path_params and "service" in request.path_params
            and "start" in getattr(request.app.state, "routes_by_name", {})):
        start = web.path(request, "start", council=request.path_params["council"], service=request.path_params["service"])
    return web.page(request, "pages/error.html", {**payload, "language": lang, "links": {"start": start}}, lang,
                    status_code=status)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = getattr(exc, "code", None) or CODES.get(exc.status_code, "bad_request")
    return render_error(request, exc.status_code, code)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return render_error(request, 500, "server_error")


async def body_too_large(request: Request, exc: Exception) -> Response:
    """A body over the limit, found while a mounted app read it (BodyLimit counts it)."""
    response = render_error(request, 413, "too_large")
    response.headers["connection"] = "close"
    return response


# Every app of the installation answers its errors alike.
HANDLERS: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
    **{code: http_error for code in (400, 401, 403, 404, 405, 409, 410, 413, 415)},
    HTTPException: http_error,
    BodyTooLarge: body_too_large,
    500: server_error,
}


async def too_large(scope: Scope, receive: Receive, send: Send) -> None:
    request = Request(scope, receive)
    response: Response
    if wants_json(request):
        response = JSONResponse(error_payload(413, "too_large", "en"), status_code=413)
    else:
        lang = web.language(request)
        html = request.app.state.renderer.fragment("pages/error.html", {
            **error_payload(413, "too_large", lang), "language": lang, "links": {"start": None},
            "csrf_token": "", "switch_language": None, "ui_language": lang, "request_path": request.url.path,
        })
        response = HTMLResponse(html, status_code=413, headers={"connection": "close"})
    await response(scope, receive, send)
